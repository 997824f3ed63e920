"""The built-in demo: a seeded synthetic clinic, generated on first use with no download."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from app.core.atomic import atomic_path
from app.core.paths import resources_dir, user_data_dir

DEMO_WORDS = {"demo"}
DEMO_DATA_NAME = "clinic.csv"


def demo_definition() -> dict[str, Any]:
    return dict(json.loads((resources_dir() / "demo_project.json").read_text(encoding="utf-8")))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)))


def clinic_frames(
    rows: int = 2000, seed: int = 7, labelled_per_target: int = 36
) -> tuple[Any, Any]:
    """(data with a few labels, full truth): four diagnoses with overlapping causes.

    Diabetes and hypertension raise the risk of chronic kidney disease, which is
    why its target builds on theirs; dyslipidemia shares age, weight and diabetes.
    About 10% of measurements are missing, as in a real chart review.
    """
    import pandas as pd

    rng = np.random.default_rng(seed)
    n = rows
    age = rng.uniform(25, 88, n).round()
    sex = rng.choice(np.array(["F", "M"], dtype=object), n)
    bmi = rng.normal(28, 5, n).clip(16, 55).round(1)
    smoker = rng.choice(
        np.array(["never", "former", "current"], dtype=object), n, p=[0.55, 0.28, 0.17]
    )
    fh_dm = rng.choice(np.array(["no", "yes"], dtype=object), n, p=[0.7, 0.3])
    fh_cvd = rng.choice(np.array(["no", "yes"], dtype=object), n, p=[0.65, 0.35])
    sodium = rng.normal(3.4, 0.9, n).clip(1, 7).round(2)

    dm = rng.random(n) < _sigmoid(-6.0 + 0.05 * age + 0.16 * (bmi - 25) + 1.1 * (fh_dm == "yes"))
    htn = rng.random(n) < _sigmoid(
        -5.4 + 0.065 * age + 0.09 * (bmi - 25) + 0.6 * (smoker == "current") + 0.45 * (sodium - 3.4)
    )
    ckd = rng.random(n) < _sigmoid(-5.0 + 0.045 * age + 1.6 * dm + 1.3 * htn)
    dlp = rng.random(n) < _sigmoid(
        -3.6 + 0.035 * age + 0.9 * dm + 0.07 * (bmi - 25) + 0.7 * (fh_cvd == "yes")
    )

    glucose = (94 + 45 * dm + rng.normal(0, 22, n)).round()
    hba1c = (5.4 + 1.5 * dm + rng.normal(0, 0.75, n)).round(1)
    sbp = (118 + 0.25 * (age - 50) + 24 * htn + rng.normal(0, 10, n)).round()
    dbp = (76 + 11 * htn + rng.normal(0, 7, n)).round()
    egfr = (102 - 0.55 * (age - 30) - 34 * ckd + rng.normal(0, 11, n)).clip(5, 140).round()
    creatinine = (
        75 * (100 / np.clip(egfr, 5, None)) ** 0.9 * (1.15 * (sex == "M") + 0.9 * (sex == "F"))
        + rng.normal(0, 6, n)
    ).round()
    albuminuria = np.where(rng.random(n) < 0.15 + 0.55 * ckd, "yes", "no").astype(object)
    ldl = (108 + 48 * dlp + rng.normal(0, 22, n)).round()
    hdl = (56 - 12 * dlp - 4 * (sex == "M") + rng.normal(0, 9, n)).clip(15, 110).round()
    trig = (125 + 70 * dlp + 40 * dm + rng.normal(0, 35, n)).clip(30, 800).round()
    statin = np.where(rng.random(n) < 0.08 + 0.45 * dlp, "yes", "no").astype(object)

    def yn(v: np.ndarray) -> np.ndarray:
        return np.where(v, "yes", "no").astype(object)

    data = pd.DataFrame(
        {
            "patient_id": [f"P{i:05d}" for i in range(1, n + 1)],
            "age": age,
            "sex": sex,
            "bmi": bmi,
            "smoker": smoker,
            "family_history_dm": fh_dm,
            "family_history_cvd": fh_cvd,
            "sodium_intake": sodium,
            "glucose": glucose,
            "hba1c": hba1c,
            "systolic_bp": sbp,
            "diastolic_bp": dbp,
            "egfr": egfr,
            "creatinine": creatinine,
            "albuminuria": albuminuria,
            "ldl": ldl,
            "hdl": hdl,
            "triglycerides": trig,
            "statin": statin,
        }
    )
    measured = [c for c in data.columns if c not in ("patient_id", "age", "sex")]
    for col in measured:
        hole = rng.random(n) < 0.10
        data[col] = data[col].mask(hole)
    truth = pd.DataFrame(
        {
            "patient_id": data["patient_id"],
            "DM_label": yn(dm),
            "HTN_label": yn(htn),
            "CKD_label": yn(ckd),
            "DLP_label": yn(dlp),
        }
    )
    for target in ("DM_label", "HTN_label", "CKD_label", "DLP_label"):
        column = np.empty(n, dtype=object)
        column[:] = None
        chosen = rng.choice(n, size=labelled_per_target, replace=False)
        column[chosen] = truth[target].to_numpy()[chosen]
        data[target] = column
    return data, truth


def demo_dir() -> Path:
    return user_data_dir() / "demo"


def ensure_demo_files() -> tuple[Path, Path]:
    """Write the demo data and its truth once; later runs reuse them."""
    folder = demo_dir()
    data_path, truth_path = folder / DEMO_DATA_NAME, folder / "clinic_truth.csv"
    if not (data_path.exists() and truth_path.exists()):
        spec = demo_definition()
        data, truth = clinic_frames(spec["rows"], spec["seed"], spec["labelled_per_target"])
        folder.mkdir(parents=True, exist_ok=True)
        with atomic_path(truth_path) as tmp:
            truth.to_csv(tmp, index=False)
        with atomic_path(data_path) as tmp:
            data.to_csv(tmp, index=False)
    return data_path, truth_path


def demo_project_path() -> Path:
    return demo_dir() / "clinic.lwproj"
