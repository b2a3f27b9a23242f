"""Load raw files into tables in the `raw` schema of the warehouse.

What loading tools (Fivetran, Airbyte, a COPY script) produce on a server
warehouse: one text-typed table per contract entity. Then build with
`--vars '{raw_source_mode: tables}'` and dbt reads these tables instead of the
files. The rules are those of the dbt hook that reads files directly: a
missing or 0-byte optional file gives an empty table, a missing optional
column a null column, and a missing or empty required file, a missing
required column or a header naming a column twice stops with a message
naming it. CSV files are read as RFC 4180 (`"` quotes) with --csv-delimiter
and --csv-encoding (the build's raw_csv_delimiter and raw_csv_encoding);
lines that cannot be read as rows go to raw.raw_file_malformed_lines, which
staging quarantines as malformed_line.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from orchestration.lib import postgres, spark
from orchestration.lib.raw_contract import Entity, load_contract
from orchestration.lib.raw_encodings import COPIED, utf8_copy
from orchestration.lib.warehouse import dbt_target
from orchestration.lib.warehouse_lock import WarehouseLockedError, wait_until_free


class RawDataError(Exception):
    """The raw files break the contract; the message names the file and column."""


@dataclass(frozen=True)
class RawFile:
    path: Path
    file_format: str
    # What DuckDB reads: the file itself, or its UTF-8 copy (orchestration/lib/raw_encodings.py).
    read_from: Path | None = None

    @property
    def source(self) -> str:
        return str(self.read_from or self.path)


@dataclass(frozen=True)
class CsvDialect:
    delimiter: str = ","
    encoding: str = "utf-8"

    @property
    def duckdb_encoding(self) -> str:
        """DuckDB decodes utf-8 and utf-16 itself; latin-1 and windows-1252
        files are read from their UTF-8 copy (RawFile.read_from)."""
        return "utf-8" if self.encoding in COPIED else self.encoding

    def options(self) -> str:
        return (
            f"header = true, all_varchar = true, delim = {quote_literal(self.delimiter)}, quote = '\"', escape = '\"', "
            f"encoding = {quote_literal(self.duckdb_encoding)}"
        )


ENCODINGS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "latin-1": "latin-1",
    "latin1": "latin-1",
    "iso-8859-1": "latin-1",
    "windows-1252": "windows-1252",
    "cp1252": "windows-1252",
    "cp-1252": "windows-1252",
    "utf-16": "utf-16",
    "utf16": "utf-16",
}
MALFORMED_LINES = "raw_file_malformed_lines"
MALFORMED_COLUMNS = (
    "entity varchar, file_name varchar, line_number bigint, line_text varchar, error_type varchar, error_message varchar"
)


def find_file(directory: Path, entity: Entity) -> RawFile | None:
    found = [
        RawFile(directory / f"{entity.name}.{ext}", ext)
        for ext in ("parquet", "csv")
        if (directory / f"{entity.name}.{ext}").is_file()
    ]
    if len(found) > 1:
        raise RawDataError(
            f"raw data: both {entity.name}.parquet and {entity.name}.csv are in RAW_DATA_DIR={directory}; keep one"
        )
    if found and found[0].path.stat().st_size == 0:
        if entity.required_file:
            raise RawDataError(
                f"raw data: required file {found[0].path} is empty (0 bytes); export it again with its header and rows"
            )
        found = []
    if not found:
        if entity.required_file:
            raise RawDataError(
                f"raw data: required file {entity.name}.csv (or {entity.name}.parquet) not found in RAW_DATA_DIR={directory}"
            )
        return None
    return found[0]


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def reader_sql(raw_file: RawFile, dialect: CsvDialect = CsvDialect()) -> str:
    if raw_file.file_format == "csv":
        return f"read_csv({quote_literal(raw_file.source)}, {dialect.options()}, ignore_errors = true)"
    return f"read_parquet({quote_literal(str(raw_file.path))})"


def check_header(connection: duckdb.DuckDBPyConnection, raw_file: RawFile, dialect: CsvDialect) -> None:
    """The header line as written: a name given twice (case-insensitive) or a
    header without the delimiter but with another common one is an error
    naming the file (DuckDB would rename the repeat, or fail to sniff)."""
    first = connection.execute(
        f"select line from read_csv({quote_literal(raw_file.source)}, auto_detect = false, header = false, "
        "delim = chr(1), quote = '', escape = '', columns = {'line': 'VARCHAR'}, ignore_errors = true, strict_mode = false, "
        "parallel = false, "
        f"encoding = {quote_literal(dialect.duckdb_encoding)}) limit 1"
    ).fetchone()
    header = ((first[0] if first else "") or "").lstrip("\ufeff").rstrip("\r")
    if dialect.delimiter not in header:
        for other in (";", "\t", "|", ","):
            if other != dialect.delimiter and other in header:
                raise RawDataError(
                    f"raw data: file {raw_file.path} has no {dialect.delimiter!r} in its header but has {other!r}: "
                    f"give that delimiter with --csv-delimiter. Header: {header[:120]}"
                )
    seen: dict[str, int] = {}
    for position, value in enumerate(header.split(dialect.delimiter), start=1):
        key = value.strip().replace('"', "").strip().lower()
        if key in seen:
            raise RawDataError(
                f"raw data: file {raw_file.path} has column '{key}' more than once in its header "
                f"(columns {seen[key]} and {position}); remove or rename one"
            )
        seen[key] = position


def malformed_lines(connection: duckdb.DuckDBPyConnection, entity: Entity, raw_file: RawFile, dialect: CsvDialect) -> list[tuple]:
    """The lines of a CSV file that cannot be read as rows, one tuple per line
    in the malformed lines table's columns. A line invalid in the encoding is
    an error: the file as a whole is in another encoding."""
    rejects, scans = f"cs_rejects_{entity.name}", f"cs_scans_{entity.name}"
    connection.execute(f"drop table if exists {rejects}; drop table if exists {scans}")
    connection.execute(
        f"select max(hash(*columns(*))) from read_csv({quote_literal(raw_file.source)}, {dialect.options()}, "
        "store_rejects = true, "
        f"rejects_table = {quote_literal(rejects)}, rejects_scan = {quote_literal(scans)})"
    ).fetchall()
    lines = connection.execute(
        f"select {quote_literal(entity.name)}, {quote_literal(raw_file.path.name)}, line, min(csv_line), min(error_type), "
        f"string_agg(error_message, '; ' order by error_message) from {rejects} group by line order by line"
    ).fetchall()
    connection.execute(f"drop table if exists {rejects}; drop table if exists {scans}")
    bad_encoding = [line for line in lines if line[4] == "INVALID ENCODING"]
    if bad_encoding:
        raise RawDataError(
            f"raw data: file {raw_file.path} is not valid {dialect.encoding} ({len(bad_encoding)} line(s), the first at line "
            f"{bad_encoding[0][2]}). Give its encoding with --csv-encoding (windows-1252 for Excel on Windows, latin-1, utf-16), "
            "or save it as UTF-8."
        )
    return lines


def select_list(
    connection: duckdb.DuckDBPyConnection, entity: Entity, raw_file: RawFile | None, dialect: CsvDialect = CsvDialect()
) -> str:
    """Every contract column as text, in contract order."""
    if raw_file is None:
        return ", ".join(f"cast(null as varchar) as {quote_identifier(c)}" for c in entity.column_names)
    if raw_file.file_format == "csv":
        check_header(connection, raw_file, dialect)
    described = connection.execute(f"describe select * from {reader_sql(raw_file, dialect)}").fetchall()
    present: dict[str, str] = {}
    for row in described:
        key = row[0].strip().lower()
        if key in present:
            raise RawDataError(f"raw data: file {raw_file.path} has column '{key}' more than once")
        present[key] = row[0]
    parts = []
    for column in entity.columns:
        if column.name in present:
            parts.append(f"cast({quote_identifier(present[column.name])} as varchar) as {quote_identifier(column.name)}")
        elif column.required:
            raise RawDataError(f"raw data: file {raw_file.path} is missing required column '{column.name}'")
        else:
            parts.append(f"cast(null as varchar) as {quote_identifier(column.name)}")
    return ", ".join(parts)


def drop_other_kind(connection: duckdb.DuckDBPyConnection, schema: str, name: str, kind: str) -> None:
    """Drops `schema.name` when it exists as the other kind of relation (a view
    made by dbt's files mode where a table goes, or the reverse): DuckDB will
    not replace one kind with the other."""
    found = connection.execute(
        "select table_type from information_schema.tables where table_schema = ? and table_name = ?", [schema, name]
    ).fetchone()
    if found is None:
        return
    existing = "VIEW" if found[0] == "VIEW" else "TABLE"
    if existing != kind:
        connection.execute(f"drop {existing.lower()} {quote_identifier(schema)}.{quote_identifier(name)}")


@dataclass(frozen=True)
class LoadPlan:
    """What loading reads: each entity's file (or none) and its select list,
    and the CSV lines that cannot be read as rows."""

    entities: list[tuple[Entity, RawFile | None, str]]
    malformed: list[tuple]


def plan_load(connection: duckdb.DuckDBPyConnection, directory: Path, dialect: CsvDialect, copies_dir: Path) -> LoadPlan:
    """Checks every file against the contract before anything is written."""
    contract = load_contract()
    plans = []
    malformed: list[tuple] = []
    for entity in contract.values():
        raw_file = find_file(directory, entity)
        if raw_file is not None and raw_file.file_format == "csv" and dialect.encoding in COPIED:
            copy = utf8_copy(raw_file.path, dialect.encoding, copies_dir)
            raw_file = RawFile(raw_file.path, "csv", copy)
        plans.append((entity, raw_file, select_list(connection, entity, raw_file, dialect)))
        if raw_file is not None and raw_file.file_format == "csv":
            malformed.extend(malformed_lines(connection, entity, raw_file, dialect))
    return LoadPlan(plans, malformed)


def load_duckdb(
    database: Path, directory: Path, schema: str = "raw", as_views: bool = False, dialect: CsvDialect = CsvDialect()
) -> dict[str, int | None]:
    """Loads every contract entity into `schema` of the DuckDB file; returns rows per entity
    (and, under MALFORMED_LINES, how many CSV lines went to the malformed lines table).
    Checks every file before writing anything, so a bad file leaves the warehouse as it was.
    With `as_views`, makes views over the files instead (dbt's files mode) and
    counts nothing (None): reading the files is left to the build."""
    database.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(database)) as connection:
        connection.execute("set TimeZone = 'UTC'")
        plan = plan_load(connection, directory, dialect, database.with_name(database.name + ".utf8"))
        connection.execute(f"create schema if not exists {quote_identifier(schema)}")
        rows: dict[str, int | None] = {}
        connection.execute("begin transaction")
        lines_table = f"{quote_identifier(schema)}.{quote_identifier(MALFORMED_LINES)}"
        connection.execute(f"create or replace table {lines_table} ({MALFORMED_COLUMNS})")
        if plan.malformed:
            connection.executemany(f"insert into {lines_table} values (?, ?, ?, ?, ?, ?)", plan.malformed)
        rows[MALFORMED_LINES] = len(plan.malformed)
        for entity, raw_file, columns in plan.entities:
            table = f"{quote_identifier(schema)}.{quote_identifier(entity.name)}"
            source = f" from {reader_sql(raw_file, dialect)}" if raw_file else " where 1 = 0"
            drop_other_kind(connection, schema, entity.name, "VIEW" if as_views else "TABLE")
            if as_views:
                connection.execute(f"create or replace view {table} as select {columns}{source}")
                rows[entity.name] = None
            else:
                connection.execute(f"create or replace table {table} as select {columns}{source}")
                rows[entity.name] = connection.execute(f"select count(*) from {table}").fetchone()[0]
        connection.execute("commit")
    return rows


def load_postgres(
    login: postgres.Login, directory: Path, schema: str = "raw", dialect: CsvDialect = CsvDialect()
) -> dict[str, int]:
    """Loads every contract entity into text-typed tables in `schema` of the
    PostgreSQL database, with COPY. DuckDB reads the files as for the DuckDB
    target (same contract checks, same malformed lines) and writes each
    entity's rows as CSV, which the server copies in; an empty string stays
    an empty string and a missing value stays null. One transaction: a reader
    sees the old tables until the new ones are all in, and a failure leaves
    the old ones."""
    rows: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="customer_segments_load_") as work, duckdb.connect() as reader:
        reader.execute("set TimeZone = 'UTC'")
        plan = plan_load(reader, directory, dialect, Path(work) / "utf8")
        connection = login.connect()
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"create schema if not exists {postgres.quote_identifier(schema)}")
                lines_table = f"{postgres.quote_identifier(schema)}.{postgres.quote_identifier(MALFORMED_LINES)}"
                _empty_postgres_table(cursor, schema, MALFORMED_LINES, MALFORMED_COLUMNS.replace("varchar", "text"))
                if plan.malformed:
                    cursor.executemany(f"insert into {lines_table} values (%s, %s, %s, %s, %s, %s)", plan.malformed)
                rows[MALFORMED_LINES] = len(plan.malformed)
                for entity, raw_file, columns in plan.entities:
                    table = f"{postgres.quote_identifier(schema)}.{postgres.quote_identifier(entity.name)}"
                    definition = ", ".join(f"{postgres.quote_identifier(name)} text" for name in entity.column_names)
                    _empty_postgres_table(cursor, schema, entity.name, definition)
                    if raw_file is None:
                        rows[entity.name] = 0
                        continue
                    staged = Path(work) / f"{entity.name}.csv"
                    # DuckDB writes null as nothing and an empty string as "" (quoted), which is
                    # how PostgreSQL's CSV COPY tells them apart.
                    reader.execute(
                        f"copy (select {columns} from {reader_sql(raw_file, dialect)}) to {quote_literal(str(staged))} "
                        "(format csv, header false)"
                    )
                    with staged.open("rb") as data:
                        cursor.copy_expert(f"copy {table} from stdin with (format csv)", data)
                    rows[entity.name] = cursor.rowcount
                    staged.unlink()
            connection.commit()
        finally:
            connection.close()
    return rows


# Marks a directory load_spark wrote: the only kind it replaces.
LOADED_MARK = ".customer_segments_load"


def load_spark(
    directory: Path, schema: str = "raw", dialect: CsvDialect = CsvDialect(), target: Path | None = None
) -> dict[str, int]:
    """Writes every contract entity as a text-typed Parquet file into
    `<SPARK_RAW_DIR>/<schema>/<entity>/`, which the build's external tables in
    Spark's `schema` read (macros/staging/create_raw_relations.sql). DuckDB
    reads the files as for the other targets (same contract checks, same
    malformed lines, same line numbers); an empty string stays an empty string
    and a missing value stays null. Every file is checked before anything is
    written, and each entity's directory is swapped in whole: a reader sees
    the old file or the new one. The loader replaces only directories it
    wrote (LOADED_MARK); the raw files are only read."""
    root = (target or spark.raw_dir()) / schema
    root.mkdir(parents=True, exist_ok=True)
    rows: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix=".load_", dir=root) as work, duckdb.connect() as reader:
        reader.execute("set TimeZone = 'UTC'")
        plan = plan_load(reader, directory, dialect, Path(work) / "utf8")
        staged: list[tuple[str, Path]] = []
        reader.execute(f"create table malformed ({MALFORMED_COLUMNS})")
        if plan.malformed:
            reader.executemany("insert into malformed values (?, ?, ?, ?, ?, ?)", plan.malformed)
        selects = [(MALFORMED_LINES, "select * from malformed")]
        for entity, raw_file, columns in plan.entities:
            source = f" from {reader_sql(raw_file, dialect)}" if raw_file else " where 1 = 0"
            selects.append((entity.name, f"select {columns}{source}"))
        for name, select in selects:
            folder = Path(work) / name
            folder.mkdir()
            reader.execute(
                f"copy ({select}) to {quote_literal(str(folder / 'part-00000.parquet'))} (format parquet, compression zstd)"
            )
            rows[name] = reader.execute(
                f"select count(*) from read_parquet({quote_literal(str(folder / 'part-00000.parquet'))})"
            ).fetchone()[0]
            staged.append((name, folder))
        for name, _ in staged:
            final = root / name
            if final.exists() and not (final / LOADED_MARK).is_file():
                raise RawDataError(
                    f"loader: {final} exists and was not written by the loader (no {LOADED_MARK} in it); "
                    "set SPARK_RAW_DIR to a directory of the project's own"
                )
        for name, folder in staged:
            final = root / name
            (folder / LOADED_MARK).write_text("written by python -m orchestration.loader; replaced by each load\n")
            if final.exists():
                final.rename(Path(work) / f"{name}.old")
            folder.rename(final)
    return rows


def _empty_postgres_table(cursor: Any, schema: str, name: str, definition: str) -> None:
    """`schema.name` exists with `definition`'s columns and no rows. A table
    with those columns is truncated: the build's views over it stay. Another
    relation of that name (a table of an earlier contract) is dropped with
    the views over it, which the next build creates again."""
    cursor.execute(
        "select c.relkind, array(select a.attname::text || ' ' || format_type(a.atttypid, a.atttypmod) from pg_attribute as a "
        "where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped order by a.attnum) "
        "from pg_class as c join pg_namespace as n on n.oid = c.relnamespace where n.nspname = %s and c.relname = %s",
        [schema, name],
    )
    found = cursor.fetchone()
    table = f"{postgres.quote_identifier(schema)}.{postgres.quote_identifier(name)}"
    wanted = [part.strip().replace('"', "") for part in definition.split(",")]
    if found and found[0] == "r" and list(found[1]) == wanted:
        cursor.execute(f"truncate table {table}")
        return
    if found:
        cursor.execute(f"drop {'table' if found[0] == 'r' else 'view'} {table} cascade")
    cursor.execute(f"create table {table} ({definition})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.loader",
        description="Load the raw files in RAW_DATA_DIR into text-typed tables in the raw schema of the target warehouse.",
    )
    parser.add_argument(
        "--raw-data-dir",
        type=Path,
        default=Path(os.environ.get("RAW_DATA_DIR", "data/raw")),
        help="directory of <entity>.csv / <entity>.parquet files (default: $RAW_DATA_DIR or data/raw)",
    )
    parser.add_argument(
        "--target",
        default=dbt_target(),
        help="profile target to load into (default: $DBT_TARGET or duckdb)",
    )
    parser.add_argument(
        "--duckdb-path",
        type=Path,
        default=Path(os.environ.get("DUCKDB_PATH", "warehouse/customer_segments.duckdb")),
        help="DuckDB file for the duckdb target (default: $DUCKDB_PATH or warehouse/customer_segments.duckdb)",
    )
    parser.add_argument("--schema", default="raw", help="schema to load into (default: raw; dbt var raw_schema must match)")
    parser.add_argument("--csv-delimiter", default=",", help="field delimiter of the CSV files (default: ',')")
    parser.add_argument(
        "--csv-encoding",
        default="utf-8",
        help="encoding of the CSV files: utf-8 (default; a BOM is fine), windows-1252, latin-1, utf-16",
    )
    args = parser.parse_args(argv)
    if args.csv_encoding.lower() not in ENCODINGS:
        parser.error(
            f"--csv-encoding {args.csv_encoding!r}: supported: utf-8, windows-1252 (cp1252), latin-1 (iso-8859-1), utf-16"
        )
    if len(args.csv_delimiter) != 1 or args.csv_delimiter in '"\r\n':
        parser.error("--csv-delimiter must be one character other than a quote or a line break")
    dialect = CsvDialect(args.csv_delimiter, ENCODINGS[args.csv_encoding.lower()])
    started = time.monotonic()
    if args.target not in ("duckdb", "postgres", "spark"):
        print(f"loader: target '{args.target}' is not supported; supported targets: duckdb, postgres, spark", file=sys.stderr)
        return 2
    if args.target == "duckdb":
        try:
            wait_until_free(args.duckdb_path)
        except WarehouseLockedError as error:
            print(f"loader: {error}", file=sys.stderr)
            return 3
    try:
        if args.target == "postgres":
            login = postgres.builder_login()
            rows: dict[str, int | None] = dict(load_postgres(login, args.raw_data_dir, args.schema, dialect=dialect))
            where = f"PostgreSQL {login.describe()}"
        elif args.target == "spark":
            rows = dict(load_spark(args.raw_data_dir, args.schema, dialect=dialect))
            where = f"Parquet files for Spark in {spark.raw_dir() / args.schema}"
        else:
            rows = load_duckdb(args.duckdb_path, args.raw_data_dir, args.schema, dialect=dialect)
            where = str(args.duckdb_path)
    except RawDataError as error:
        print(error, file=sys.stderr)
        return 2
    for entity, count in rows.items():
        print(f"loaded {count or 0:>12,} rows into {args.schema}.{entity}")
    print(f"loaded {len(rows)} tables into {where} in {time.monotonic() - started:.1f} s")
    return 0

if __name__ == "__main__":
    raise SystemExit(main())
