"""Open a project whose label log a team shares on a PostgreSQL server.

The project, its data and a full replica of the log stay on this machine, so the
window works (and labels are acknowledged) whether or not the server answers.
Joining needs the server once: the project is found there by its data's SHA-256
and its name (the data file's stem), or created from this schema. From then on
the project file remembers the store's address, without any password, and a
``SyncWorker`` keeps both logs in step. The annotator is the database role the
server knows: nobody labels in another person's name.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.core.errors import UserError
from app.core.pg_schema import ADJUDICATOR_ROLE, SCHEMA, check_url, connect, safe_url

if TYPE_CHECKING:
    from app.core.session import LabelingSession

log = logging.getLogger(__name__)

PROJECT_ID = "server_project_id"
ROLE = "server_role"


def open_shared(
    cls: type[LabelingSession],
    path: str | Path,
    targets: list[str] | None,
    *,
    store: str,
    annotator: str | None = None,
) -> LabelingSession:
    """``LabelingSession.open(path, store=URL)``: the local project, linked to the store."""
    from app.core.opening import open_session

    url = check_url(store)
    session = open_session(
        cls, path, targets, project_path=None, id_column=None, features=None, classes=None,
        annotator=annotator,
    )  # fmt: skip
    try:
        attach(session, url)
    except BaseException:
        session.close()
        raise
    return session


def attach(session: LabelingSession, url: str) -> None:
    """Find or create the project on the server, then start keeping the logs in step."""
    from app.core.shared_sync import SyncWorker

    store = session.store
    store.enable_sync()
    known_id = store.meta(PROJECT_ID)
    try:
        project_id, role, adjudicator, team = _join(session, url)
    except UserError:
        if known_id is None:
            raise  # joining needs the server once
        project_id, role = int(known_id), store.meta(ROLE) or session.annotator
        adjudicator, team = False, None
        session.notes.append(
            f"The shared store {safe_url(url)} does not answer; labelling goes on here and "
            "the labels are sent when it is back."
        )
    else:
        if known_id is not None and int(known_id) != project_id:
            raise UserError(
                f"This project's log belongs to another project on {safe_url(url)}; open it "
                "with the store it was made with, or make a fresh copy of the data file."
            )
        store.set_meta(PROJECT_ID, str(project_id))
        store.set_meta(ROLE, role)
    session.annotator = role
    team_settings = session.project.team
    if team is not None:
        from app.core.fields import team_settings as checked

        session.project.team = checked(team)
        team_settings = session.project.team
    if adjudicator and role not in team_settings.adjudicators:
        team_settings.adjudicators = [*team_settings.adjudicators, role]
    session.project.store = safe_url(url)
    session.save()
    session.sync = SyncWorker(store.path, url, project_id)
    session.sync.start()


def _join(session: LabelingSession, url: str) -> tuple[int, str, bool, dict[str, Any] | None]:
    """(project id, role, whether the role adjudicates, the lead's team settings)."""
    import psycopg

    name = session.project.path.stem
    sha = session.project.data_sha256
    with connect(url) as conn:
        try:
            role = conn.execute("SELECT current_user").fetchone()[0]
            found = conn.execute(
                f"SELECT id FROM {SCHEMA}.projects WHERE name = %s AND data_sha256 = %s",
                (name, sha),
            ).fetchone()
            if found is None:
                schema = json.dumps(session.schema.to_json(), sort_keys=True)
                conn.execute(
                    f"INSERT INTO {SCHEMA}.projects (name, data_sha256, schema_json) "
                    "VALUES (%s, %s, %s) ON CONFLICT (name, data_sha256) DO NOTHING",
                    (name, sha, schema),
                )  # a colleague may have made it a moment ago: then theirs is found
                found = conn.execute(
                    f"SELECT id FROM {SCHEMA}.projects WHERE name = %s AND data_sha256 = %s",
                    (name, sha),
                ).fetchone()
            adjudicator = conn.execute(
                "SELECT pg_has_role(current_user, %s, 'member')", (ADJUDICATOR_ROLE,)
            ).fetchone()[0]
            team = conn.execute(
                f"SELECT settings_json FROM {SCHEMA}.team_settings WHERE project_id = %s "
                "ORDER BY id DESC LIMIT 1",
                (found[0],),
            ).fetchone()
            conn.commit()
        except psycopg.Error as exc:
            raise UserError(
                f"The store {safe_url(url)} refused to open the project "
                f"({' '.join(str(exc).split())[:160]}); run labelwright store init there, or "
                "ask its administrator to add you with labelwright store add-annotator."
            ) from exc
    settings = json.loads(team[0]) if team else None
    return int(found[0]), str(role), bool(adjudicator), settings


def publish_team(session: LabelingSession) -> None:
    """The lead's blind/overlap/adjudicator settings, for every desktop of the project."""
    request = team_request(session)
    if request is not None:
        send_team(*request)


def team_request(session: LabelingSession) -> tuple[str, int, str] | None:
    """(store address, project id, settings) to send; None for a project without a store.

    Read on the session's thread; ``send_team`` may then run on another (the window's
    background thread), since it touches only the server.
    """
    project_id = session.store.meta(PROJECT_ID)
    if not session.project.store or project_id is None:
        return None
    url = session.sync.url if session.sync else session.project.store
    return url, int(project_id), json.dumps(session.project.team.to_json())


def send_team(url: str, project_id: int, settings_json: str) -> None:
    import psycopg

    with connect(url) as conn:
        try:
            conn.execute(
                f"INSERT INTO {SCHEMA}.team_settings (project_id, settings_json) VALUES (%s, %s)",
                (project_id, settings_json),
            )
            conn.commit()
        except psycopg.Error as exc:
            raise UserError(
                f"The team settings could not be saved on the store ({exc}); try again."
            ) from exc
