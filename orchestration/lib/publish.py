"""Publish, then serve: copy the marts of the working warehouse into a serving
file that readers (BI tools, the dashboard, exports, `make validate`, metric
queries) open, and switch it into place in one atomic rename.

Why a second file: DuckDB lets one process write a database file and no other
process read it meanwhile, so readers of the working file would block builds
and builds would lock out readers for their whole length. The serving file is
written under a temporary name beside its final one, checked, flushed to disk
and renamed over the previous version (`os.replace`, atomic on POSIX). A reader
that has the previous file open keeps reading it, complete, until it reconnects;
a new connection sees the new version. Nothing is published unless the build and
its blocking checks passed (the callers run this step only then), so a failed
build leaves the previous version in place. DECISIONS.md, "Publish, then serve".

The serving file is written in DuckDB's v1.0.0 storage format, which every
DuckDB client from 1.0 on can open (many BI drivers still ship 1.x).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

# Readers open these schemas: every mart as a table, with its comments, and the seeds (the rule and
# reference tables the marts are read with: persona and level order, event types, rejection reasons).
MARTS_SCHEMA = "marts"
SEEDS_SCHEMA = "seeds"
PUBLISHED_SCHEMAS = (MARTS_SCHEMA, SEEDS_SCHEMA)
# What was published, when, from which build: one row per relation.
PUBLICATION_SCHEMA = "publication"
PUBLICATION_TABLE = "published_relations"
# Oldest DuckDB storage format written: readable by DuckDB 1.0 and every later client. No
# constraints beyond not null in it: DuckDB 1.0 cannot read a primary key written by 2.0.
STORAGE_VERSION = "v1.0.0"
PUBLISHED_PATH_VARIABLE = "PUBLISHED_DUCKDB_PATH"


class PublishError(Exception):
    """The working warehouse cannot be published (missing, empty, or a copy did not match)."""


@dataclass(frozen=True)
class Publication:
    path: Path
    relations: dict[str, int]
    as_of_date: str | None
    invocation_id: str | None
    seconds: float


def published_path(working: Path) -> Path:
    """$PUBLISHED_DUCKDB_PATH, or `published/<same file name>` beside the working file: the
    same file name keeps the same catalog name (DuckDB names a database after its file)."""
    configured = os.environ.get(PUBLISHED_PATH_VARIABLE, "").strip()
    if configured:
        return Path(configured).resolve()
    return working.parent / "published" / working.name


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str | None) -> str:
    return "null" if text is None else "'" + text.replace("'", "''") + "'"


def invocation_of(run_results: Path | None) -> str | None:
    """The dbt invocation id of the build being published, from its run_results.json."""
    if run_results is None or not run_results.is_file():
        return None
    try:
        return json.loads(run_results.read_text())["metadata"]["invocation_id"]
    except (ValueError, KeyError):
        return None


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def publish(working: Path, target: Path | None = None, *, invocation_id: str | None = None) -> Publication:
    """Copies every relation of the working file's marts schema into a new serving file
    and renames it over `target` (default: published_path(working))."""
    started = time.monotonic()
    target = target or published_path(working)
    if not working.is_file():
        raise PublishError(f"no warehouse at {working}: build it first (`make build`)")
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.parent / f".{target.name}.{os.getpid()}.publishing"
    for leftover in (temporary, Path(f"{temporary}.wal")):
        leftover.unlink(missing_ok=True)
    try:
        relations, as_of_date = _write(working, temporary, invocation_id)
        _fsync(temporary)
        os.replace(temporary, target)
        _fsync(target.parent)
    finally:
        for leftover in (temporary, Path(f"{temporary}.wal")):
            leftover.unlink(missing_ok=True)
    return Publication(target, relations, as_of_date, invocation_id, time.monotonic() - started)


def _write(working: Path, temporary: Path, invocation_id: str | None) -> tuple[dict[str, int], str | None]:
    with duckdb.connect() as connection:
        connection.execute(f"attach {_literal(str(working))} as working (read_only)")
        connection.execute(f"attach {_literal(str(temporary))} as serving (storage_version '{STORAGE_VERSION}')")
        names = connection.execute(
            "select table_schema, table_name from information_schema.tables "
            f"where table_catalog = 'working' and table_schema in {PUBLISHED_SCHEMAS} order by all"
        ).fetchall()
        if not any(schema == MARTS_SCHEMA for schema, _ in names):
            raise PublishError(f"{working} has no {MARTS_SCHEMA} schema or it is empty: build it first (`make build`)")
        relations: dict[str, int] = {}
        for schema in sorted({schema for schema, _ in names}):
            connection.execute(f"create schema serving.{schema}")
        for schema, name in names:
            source = f"working.{schema}.{_quoted(name)}"
            copy = f"serving.{schema}.{_quoted(name)}"
            connection.execute(f"create table {copy} as select * from {source}")
            expected = connection.execute(f"select count(*) from {source}").fetchone()[0]
            copied = connection.execute(f"select count(*) from {copy}").fetchone()[0]
            if copied != expected:
                raise PublishError(f"{schema}.{name}: {copied} rows copied of {expected}")
            relations[f"{schema}.{name}"] = copied
            _copy_comments(connection, schema, name, copy)
        as_of_date = _as_of_date(connection) if f"{MARTS_SCHEMA}.dim_contacts" in relations else None
        if as_of_date is not None:
            _check_one_as_of_date(connection, as_of_date)
        published_at = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="seconds")
        connection.execute(f"create schema serving.{PUBLICATION_SCHEMA}")
        connection.execute(
            f"create table serving.{PUBLICATION_SCHEMA}.{PUBLICATION_TABLE} ("
            "relation_name varchar not null, row_count bigint not null, as_of_date date, "
            "published_at timestamp not null, dbt_invocation_id varchar)"
        )
        connection.executemany(
            f"insert into serving.{PUBLICATION_SCHEMA}.{PUBLICATION_TABLE} values (?, ?, ?, ?, ?)",
            [(name, rows, as_of_date, published_at, invocation_id) for name, rows in relations.items()],
        )
        connection.execute(
            f"comment on table serving.{PUBLICATION_SCHEMA}.{PUBLICATION_TABLE} is "
            "'One row per published relation (schema.table): its rows, the as-of date it was built for, when it was published "
            "(UTC) and the dbt invocation that built it.'"
        )
        connection.execute("checkpoint serving")
        connection.execute("detach serving")
    return relations, as_of_date


# Marts that hold several as-of dates by design: the histories (one row per date, backfills add past
# days), each day's membership changes, and the movement tables' start and end populations.
MULTI_DATE_SUFFIXES = ("_history", "_movement_contacts")
MULTI_DATE_MARTS = ("segment_membership_changes",)


def _check_one_as_of_date(connection: duckdb.DuckDBPyConnection, as_of_date: str) -> None:
    """Every other mart with an as_of_date holds dim_contacts' date only: marts on two dates mean a build
    stopped part-way, or a run built part of the graph, and readers must not see that mix."""
    tables = [
        row[0] for row in connection.execute(
            "select table_name from information_schema.columns where table_catalog = 'serving' "
            "and table_schema = ? and column_name = 'as_of_date' order by 1", [MARTS_SCHEMA]
        ).fetchall()
        if not row[0].endswith(MULTI_DATE_SUFFIXES) and row[0] not in MULTI_DATE_MARTS
    ]  # fmt: skip
    others: list[str] = []
    for table in tables:
        dates = [row[0].isoformat() for row in connection.execute(
            f"select distinct as_of_date from serving.{MARTS_SCHEMA}.{_quoted(table)} order by 1").fetchall()]  # fmt: skip
        if any(date != as_of_date for date in dates):
            others.append(f"{table}: {', '.join(dates)}")
    if others:
        raise PublishError(
            f"the marts disagree on the as-of date (dim_contacts: {as_of_date}; {'; '.join(others)}): the last "
            "build stopped part-way or built part of the graph. Build every mart for one date; nothing was "
            "published, readers keep the previous version."
        )


def _copy_comments(connection: duckdb.DuckDBPyConnection, schema: str, name: str, copy: str) -> None:
    """The marts' descriptions (dbt persist_docs) travel with them, so a BI tool shows them."""
    table_comment = connection.execute(
        "select comment from duckdb_tables() where database_name = 'working' and schema_name = ? and table_name = ?",
        [schema, name],
    ).fetchone()
    if table_comment and table_comment[0]:
        connection.execute(f"comment on table {copy} is {_literal(table_comment[0])}")
    for column, comment in connection.execute(
        "select column_name, comment from duckdb_columns() "
        "where database_name = 'working' and schema_name = ? and table_name = ? and comment is not null",
        [schema, name],
    ).fetchall():
        connection.execute(f"comment on column {copy}.{_quoted(column)} is {_literal(comment)}")


def _as_of_date(connection: duckdb.DuckDBPyConnection) -> str | None:
    row = connection.execute(f"select max(as_of_date) from serving.{MARTS_SCHEMA}.dim_contacts").fetchone()
    return row[0].isoformat() if row and row[0] is not None else None


def attach_read_only(path: Path, catalog: str = "served") -> duckdb.DuckDBPyConnection:
    """A reader's connection to a published file: attached read-only under `catalog` to an in-memory database
    of its own, and used. A fresh open every time: `duckdb.connect(path)` would hand back the database an open
    connection of this process already holds, that is, the previous version's file."""
    if not path.is_file():
        raise PublishError(f"nothing is published at {path}: run `make run` (or `make publish`) first")
    connection = duckdb.connect()
    connection.execute(f"attach {_literal(str(path))} as {_quoted(catalog)} (read_only)")
    connection.execute(f"use {_quoted(catalog)}")
    return connection
