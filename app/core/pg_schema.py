"""The shared PostgreSQL store: its schema, its roles and who may do what.

``labelwright store init URL`` creates the ``labelwright`` schema and two group
roles. Annotators may INSERT and SELECT, never UPDATE or DELETE, so the server's
log is append-only whatever a client does. Every event records the database role
that wrote it (``db_role DEFAULT current_user``, a column clients may not insert
into), so nobody can label in another person's name, and only members of
``labelwright_adjudicator`` may insert an adjudication (a trigger checks). Each
insert notifies ``labelwright_events`` so open windows pull the news at once.
Passwords are never handled here: libpq reads them from the environment,
``~/.pgpass`` or a service file.
"""

from __future__ import annotations

import re
from typing import Any

from app.core.errors import UserError

SCHEMA = "labelwright"
ANNOTATOR_ROLE = "labelwright_annotator"
ADJUDICATOR_ROLE = "labelwright_adjudicator"
CHANNEL = "labelwright_events"
SCHEMA_VERSION = 1

EVENT_FIELDS = (
    "uid", "project_id", "row_id", "target", "label", "unsure", "annotator", "source",
    "model_version", "confidence", "time", "note",
)  # fmt: skip

INIT_SQL = f"""
CREATE SCHEMA IF NOT EXISTS {SCHEMA};
CREATE TABLE IF NOT EXISTS {SCHEMA}.meta (key text PRIMARY KEY, value text NOT NULL);
INSERT INTO {SCHEMA}.meta VALUES ('schema_version', '{SCHEMA_VERSION}') ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS {SCHEMA}.projects (
    id bigserial PRIMARY KEY,
    name text NOT NULL,
    data_sha256 text NOT NULL,
    schema_json text NOT NULL DEFAULT '{{}}',
    created_by name NOT NULL DEFAULT current_user,
    created timestamptz NOT NULL DEFAULT now(),
    UNIQUE (name, data_sha256)
);
CREATE TABLE IF NOT EXISTS {SCHEMA}.team_settings (
    id bigserial PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES {SCHEMA}.projects (id),
    settings_json text NOT NULL,
    set_by name NOT NULL DEFAULT current_user,
    set_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS {SCHEMA}.events (
    id bigserial PRIMARY KEY,
    uid uuid NOT NULL UNIQUE,
    project_id bigint NOT NULL REFERENCES {SCHEMA}.projects (id),
    row_id text NOT NULL,
    target text NOT NULL,
    label text,
    unsure boolean NOT NULL DEFAULT false,
    annotator text NOT NULL DEFAULT '',
    source text NOT NULL,
    model_version integer,
    confidence double precision,
    time double precision NOT NULL,
    note text NOT NULL DEFAULT '',
    db_role name NOT NULL DEFAULT current_user,
    received timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS events_project_id ON {SCHEMA}.events (project_id, id);
CREATE OR REPLACE FUNCTION {SCHEMA}.check_event() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.db_role := current_user;
    NEW.received := now();
    IF NEW.source = 'adjudication'
       AND NOT pg_has_role(current_user, '{ADJUDICATOR_ROLE}', 'member') THEN
        RAISE EXCEPTION 'only an adjudicator may decide a conflict'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM pg_notify('{CHANNEL}', NEW.project_id::text);
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS check_event ON {SCHEMA}.events;
CREATE TRIGGER check_event BEFORE INSERT ON {SCHEMA}.events
    FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.check_event();
"""

ROLES_SQL = f"""
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{ANNOTATOR_ROLE}') THEN
        CREATE ROLE {ANNOTATOR_ROLE} NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{ADJUDICATOR_ROLE}') THEN
        CREATE ROLE {ADJUDICATOR_ROLE} NOLOGIN IN ROLE {ANNOTATOR_ROLE};
    END IF;
END $$;
REVOKE ALL ON ALL TABLES IN SCHEMA {SCHEMA} FROM PUBLIC, {ANNOTATOR_ROLE};
GRANT USAGE ON SCHEMA {SCHEMA} TO {ANNOTATOR_ROLE};
GRANT SELECT ON ALL TABLES IN SCHEMA {SCHEMA} TO {ANNOTATOR_ROLE};
GRANT INSERT ({", ".join(EVENT_FIELDS)}) ON {SCHEMA}.events TO {ANNOTATOR_ROLE};
GRANT INSERT (name, data_sha256, schema_json) ON {SCHEMA}.projects TO {ANNOTATOR_ROLE};
GRANT INSERT (project_id, settings_json) ON {SCHEMA}.team_settings TO {ANNOTATOR_ROLE};
GRANT USAGE ON ALL SEQUENCES IN SCHEMA {SCHEMA} TO {ANNOTATOR_ROLE};
"""

_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def connect(url: str, **kwargs: Any) -> Any:
    """A psycopg connection, or one sentence saying why there is none."""
    import psycopg

    try:
        return psycopg.connect(url, connect_timeout=5, **kwargs)
    except psycopg.Error as exc:
        detail = " ".join(str(exc).split())[:160]
        raise UserError(
            f"Cannot reach the store {safe_url(url)} ({detail}); check the address, the "
            "server and your password in ~/.pgpass or PGPASSWORD."
        ) from exc


def check_url(url: str) -> str:
    """The store's address, refused when it carries a password (libpq reads those)."""
    from psycopg.conninfo import conninfo_to_dict

    if not url.startswith(("postgresql://", "postgres://")) and "=" not in url:
        raise UserError(
            f"'{url}' is not a PostgreSQL address; write it as postgresql://host/database."
        )
    try:
        parts = conninfo_to_dict(url)
    except Exception as exc:
        raise UserError(
            f"'{safe_url(url)}' is not a valid PostgreSQL address; write it as "
            "postgresql://user@host/database."
        ) from exc
    if parts.get("password"):
        raise UserError(
            "The store address holds a password, which would end up in project files; leave "
            "it out and put it in ~/.pgpass or the PGPASSWORD variable instead."
        )
    return url


def safe_url(url: str) -> str:
    """The address without any password, for messages and project files."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1@", url)


def init_store(url: str) -> None:
    """Create the schema and the roles (needs a role that may create them)."""
    import psycopg

    with connect(check_url(url), autocommit=True) as conn:
        try:
            conn.execute(INIT_SQL)
            conn.execute(ROLES_SQL)
        except psycopg.Error as exc:
            raise UserError(
                f"The store could not be set up ({' '.join(str(exc).split())[:160]}); connect "
                "as a role that may create schemas and roles (for example the owner of the "
                "database)."
            ) from exc


def add_annotator(url: str, name: str, adjudicator: bool = False) -> None:
    """A login role for one annotator (its password is set by the administrator)."""
    import psycopg
    from psycopg import sql

    if not _ROLE_NAME.fullmatch(name):
        raise UserError(
            f"'{name}' cannot be a database role; use lower-case letters, digits and _, "
            "starting with a letter."
        )
    group = ADJUDICATOR_ROLE if adjudicator else ANNOTATOR_ROLE
    with connect(check_url(url), autocommit=True) as conn:
        try:
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(name)))
            conn.execute(
                sql.SQL("GRANT {} TO {}").format(sql.Identifier(group), sql.Identifier(name))
            )
        except psycopg.Error as exc:
            raise UserError(
                f"The annotator {name} could not be added ({' '.join(str(exc).split())[:160]}); "
                "run labelwright store init first, as a role that may create roles."
            ) from exc
