"""Learning quality: the audit finds flipped labels, as the review queue promises."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from app.cli import main
from tests.datasets import breast_cancer_files


def test_audit_ranks_flipped_labels_at_the_top(tmp_path: Path) -> None:
    data, _, flipped = breast_cancer_files(tmp_path, flip_fraction=0.3, all_labelled=True, seed=11)
    out = tmp_path / "audit.csv"
    assert main(["audit", "--data", str(data), "--target", "label", "--out", str(out)]) == 0
    ranked = pd.read_csv(out)
    top = set(ranked["id"].head(int(0.3 * len(ranked))))
    found = len(top & set(flipped)) / len(flipped)
    assert found >= 0.8, f"only {found:.0%} of flipped rows in the top 30%"
    # The suggested label for a flipped row is the original (true) label.
    truth = pd.read_csv(tmp_path / "cancer_truth.csv").set_index("id")["label"]
    caught = ranked[ranked["id"].isin(flipped)].head(50)
    right = (caught["suggested"].to_numpy() == truth.loc[caught["id"]].to_numpy()).mean()
    assert right >= 0.9
