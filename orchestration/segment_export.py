"""Customers export: one CSV and one Parquet file per active segment, and a manifest.

    python -m orchestration.segment_export
    python -m orchestration.segment_export --columns contact_id,email,persona --segment cart_abandoners
    python -m orchestration.segment_export --hash-email --out /tmp/ads

It reads the published marts (`make publish`; README "For BI tools"), so an
export never waits for a build. Each file holds the segment's members as of the
published as-of date
(marts.segment_members), one row per contact ordered by contact_id, with the
chosen columns of dim_contacts and the score marts (rfm_scores, erfm_scores,
engagement_status), a header row in the CSV. manifest.json lists, per
segment, the rows, the columns, the as-of date and each file's SHA-256.

An export of every active segment (no --segment) also writes the sunset
suppression list, sunset_suppressions.csv and .parquet: each contact of
marts.sunset_suppressions with its email address (email_sha256 with
--hash-email) and why it is to be suppressed; manifest.json's
"suppressions" describes it as it does a segment.

With --hash-email the email column leaves as email_sha256, the SHA-256 (hex)
of the normalised address (every surrounding whitespace character removed, as
Python's str.strip() does: spaces, tabs, line breaks, no-break spaces; then
lower case), and no other PII column (those marked `pii: true` in the models'
YAML) may be exported. A column that no mart has is an error naming it.

--consent says which members leave: `reachable` (subscribed, with an email:
the contacts a campaign or an ad audience may use) or `all` (every member,
whatever its subscription status). The default is reachable with
--hash-email (an audience upload) and all otherwise (a CRM hand-over).

Every run writes the folder afresh: the files of the folder's previous export
(those its manifest.json lists) are removed first, so the manifest always
describes exactly the files beside it; a folder holding any other file is
refused. The warehouse's marts must agree on one as-of date: a build that
stopped part-way leaves some marts on the previous date, and exporting them
would label yesterday's members with today's date.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import yaml

from orchestration.lib import warehouse
from orchestration.lib.publish import published_path

PROJECT_DIR = Path(__file__).resolve().parent.parent
# Where columns come from, in the order a bare column name is looked up:
# `persona` is rfm_scores.persona; `erfm_scores.persona` picks the other one.
SOURCE_TABLES = ("dim_contacts", "rfm_scores", "erfm_scores", "engagement_status")
DEFAULT_COLUMNS = (
    "contact_id",
    "email",
    "first_name",
    "last_name",
    "country_code",
    "subscription_status",
    "persona",
    "lifecycle_stage",
    "engagement_level",
    "engagement_status",
)
FORMATS = ("csv", "parquet")
HASHED_EMAIL = "email_sha256"
CONSENTS = ("reachable", "all")
# The marts an export reads, each holding one as-of date after a whole build.
EXPORT_INPUTS = ("segments", "segment_members", *SOURCE_TABLES, "sunset_suppressions")
# The suppression list (marts.sunset_suppressions) beside the segments: who to suppress from email, and why.
SUPPRESSIONS = "sunset_suppressions"
SUPPRESSION_COLUMNS = (
    "suppression_reason", "days_without_interaction", "last_interaction_date", "sunset_candidate_since_date",
    "sunset_campaign_end_date", "sunset_emails_sent",
)  # fmt: skip
# What Python's str.strip() removes (str.isspace), as an RE2 character class.
WHITESPACE_CLASS = r"[\s\v\x{1c}-\x{1f}\x{85}\p{Z}]"


class ExportError(Exception):
    """A bad column list, segment or warehouse, said in a sentence."""


@dataclass(frozen=True)
class Column:
    """One exported column: where it comes from and what it is called."""

    table: str
    name: str
    output_name: str
    hashed: bool = False

    def sql(self) -> str:
        alias = f"{self.table}.{quote(self.name)}"
        if self.hashed:
            return f"sha256(lower({normalised_text(alias)})) as {quote(self.output_name)}"
        return f"{alias} as {quote(self.output_name)}"


def normalised_text(expression: str) -> str:
    """SQL: the text without any surrounding whitespace (str.strip())."""
    pattern = f"^{WHITESPACE_CLASS}+|{WHITESPACE_CLASS}+$"
    return f"regexp_replace({expression}, {literal(pattern)}, '', 'g')"


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def default_export_dir() -> Path:
    return Path(os.environ.get("CUSTOMER_SEGMENTS_EXPORT_DIR") or PROJECT_DIR / "exports")


def pii_columns(project_dir: Path = PROJECT_DIR) -> dict[str, set[str]]:
    """The columns of the source marts marked `pii: true` (column config.meta or
    meta) in the models' YAML, per table."""
    marked: dict[str, set[str]] = {table: set() for table in SOURCE_TABLES}
    for path in sorted((project_dir / "models").rglob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for model in document.get("models") or []:
            if model.get("name") not in marked:
                continue
            for column in model.get("columns") or []:
                meta = {**(column.get("meta") or {}), **((column.get("config") or {}).get("meta") or {})}
                if meta.get("pii") is True:
                    marked[model["name"]].add(column["name"])
    return marked


def available_columns(connection: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Each source mart's columns as the warehouse has them."""
    rows = connection.execute(
        "select table_name, column_name from information_schema.columns "
        f"where table_schema = 'marts' and table_name in ({', '.join(literal(t) for t in SOURCE_TABLES)}) "
        "order by table_name, ordinal_position"
    ).fetchall()
    columns: dict[str, list[str]] = {table: [] for table in SOURCE_TABLES}
    for table, column in rows:
        columns[table].append(column)
    missing = [table for table, names in columns.items() if not names]
    if missing:
        raise ExportError(f"the warehouse has no marts.{', marts.'.join(missing)}; run `make run` (dbt build) first")
    return columns


def resolve_columns(
    requested: list[str], available: dict[str, list[str]], pii: dict[str, set[str]], hash_email: bool
) -> list[Column]:
    """The requested names as columns: a bare name is the first source table's
    that has it, `table.column` that table's. Unknown names, repeats and (with
    hashing) PII other than the email stop the export, naming them."""
    if not requested:
        raise ExportError("the column list is empty")
    columns: list[Column] = []
    for name in requested:
        table, _, column = name.rpartition(".")
        candidates = [table] if table else [t for t in SOURCE_TABLES if column in available[t]]
        if table and table not in available:
            raise ExportError(f"unknown column '{name}': '{table}' is not one of {', '.join(SOURCE_TABLES)}")
        if not candidates or column not in available[candidates[0]]:
            known = ", ".join(sorted({c for names in available.values() for c in names}))
            raise ExportError(f"unknown column '{name}'; columns of {', '.join(SOURCE_TABLES)}: {known}")
        source = candidates[0]
        hashed = hash_email and source == "dim_contacts" and column == "email"
        columns.append(Column(source, column, HASHED_EMAIL if hashed else column, hashed))
    names = [column.output_name for column in columns]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ExportError(f"column(s) {', '.join(repeated)} chosen twice; each output column needs its own name")
    if hash_email:
        leaking = [f"{c.table}.{c.name}" for c in columns if c.name in pii[c.table] and not c.hashed]
        if leaking:
            raise ExportError(
                f"with --hash-email no PII other than the hashed email may leave: remove {', '.join(leaking)} "
                "(marked pii: true in the models' YAML)"
            )
    return columns


def default_columns(pii: dict[str, set[str]], hash_email: bool) -> list[str]:
    """The default list; with hashing, without the PII columns (the email stays, hashed)."""
    if not hash_email:
        return list(DEFAULT_COLUMNS)
    return [name for name in DEFAULT_COLUMNS if name == "email" or name not in pii["dim_contacts"]]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def members_query(columns: list[Column], segment_key: str, consent: str = "all") -> str:
    joins = "\n".join(
        f"left join marts.{table} as {table} on segment_members.contact_id = {table}.contact_id" for table in SOURCE_TABLES
    )
    reachable = "\nand dim_contacts.is_subscribed and dim_contacts.has_email" if consent == "reachable" else ""
    return (
        f"select {', '.join(column.sql() for column in columns)}\n"
        f"from marts.segment_members as segment_members\n{joins}\n"
        f"where segment_members.segment_key = {literal(segment_key)}{reachable}\n"
        "order by segment_members.contact_id"
    )


def suppressions_query(hash_email: bool) -> str:
    """Every contact of marts.sunset_suppressions with its email address (hashed with --hash-email: an
    ad platform's exclusion audience) and the reason, ordered by contact_id. Consent does not apply: the
    list is of contacts not to write to."""
    email = Column("dim_contacts", "email", HASHED_EMAIL if hash_email else "email", hashed=hash_email)
    columns = ", ".join(f"suppressions.{quote(name)}" for name in SUPPRESSION_COLUMNS)
    return (
        f"select suppressions.contact_id, {email.sql()}, {columns}\n"
        f"from marts.{SUPPRESSIONS} as suppressions\n"
        "inner join marts.dim_contacts as dim_contacts on suppressions.contact_id = dim_contacts.contact_id\n"
        "order by suppressions.contact_id"
    )


def check_one_as_of_date(connection: duckdb.DuckDBPyConnection) -> str:
    """The as-of date every input mart holds; an ExportError naming the marts
    when they disagree (a build that stopped part-way) or are empty."""
    held: dict[str, list[str]] = {}
    for table in EXPORT_INPUTS:
        dates = connection.execute(
            f"select distinct cast(as_of_date as varchar) from marts.{table} order by 1"
        ).fetchall()
        held[table] = [row[0] for row in dates]
    if not held["dim_contacts"]:
        raise ExportError("marts.dim_contacts is empty; run `make run` (dbt build) first")
    found = sorted({date for dates in held.values() for date in dates})
    if len(found) > 1:
        listed = "; ".join(f"{table}: {', '.join(dates) or 'empty'}" for table, dates in held.items())
        raise ExportError(
            f"the warehouse's marts disagree on the as-of date ({listed}): the last build stopped part-way. "
            "Fix what stopped it and build again; nothing was exported."
        )
    return found[0]


def prepare_folder(target: Path) -> None:
    """Makes `target` ready for a fresh export: removes the files of its
    previous export (its manifest.json lists them) and refuses a folder that
    holds anything else, which the export did not write."""
    target.mkdir(parents=True, exist_ok=True)
    manifest_path = target / "manifest.json"
    ours: set[str] = {"manifest.json"}
    if manifest_path.is_file():
        previous = json.loads(manifest_path.read_text(encoding="utf-8"))
        for entry in [*previous.get("segments", []), *([previous["suppressions"]] if previous.get("suppressions") else [])]:
            ours.update(file["file"] for file in entry.get("files", {}).values())
    others = sorted(path.name for path in target.iterdir() if path.name not in ours)
    if others:
        raise ExportError(
            f"{target} holds files this export did not write ({', '.join(others[:5])}"
            f"{' and more' if len(others) > 5 else ''}); an export writes into a folder of its own: choose another --out"
        )
    for name in sorted(ours):
        path = target / name
        if path.is_file() and "/" not in name:
            path.unlink()


def write_files(
    connection: duckdb.DuckDBPyConnection, query: str, stem: Path, formats: tuple[str, ...]
) -> tuple[dict[str, Any], int]:
    """The query's rows in `stem`.csv and/or `stem`.parquet: each file's name, SHA-256 and size, and the rows."""
    files: dict[str, Any] = {}
    for kind in formats:
        path = stem.with_name(f"{stem.name}.{kind}")
        options = "(format csv, header true, delimiter ',')" if kind == "csv" else "(format parquet)"
        connection.execute(f"copy ({query}) to {literal(str(path))} {options}")
        files[kind] = {"file": path.name, "sha256": sha256_of(path), "bytes": path.stat().st_size}
    return files, connection.execute(f"select count(*) from ({query})").fetchone()[0]


def export_segments(
    database: Path,
    out_dir: Path | None = None,
    columns: list[str] | None = None,
    segments: list[str] | None = None,
    hash_email: bool = False,
    formats: tuple[str, ...] = FORMATS,
    as_of_date: str | None = None,
    log: Any = print,
    consent: str | None = None,
) -> dict[str, Any]:
    """Writes the files and manifest.json into `out_dir` (default
    <export dir>/<as-of date>) and returns the manifest. With `as_of_date`,
    the warehouse must hold that date. `consent`: reachable or all (default:
    reachable with hashing, all otherwise)."""
    unknown_formats = sorted(set(formats) - set(FORMATS))
    if unknown_formats or not formats:
        raise ExportError(f"unknown format(s) {', '.join(unknown_formats) or '(none)'}; formats: {', '.join(FORMATS)}")
    consent = consent or ("reachable" if hash_email else "all")
    if consent not in CONSENTS:
        raise ExportError(f"unknown consent '{consent}'; choose one of {', '.join(CONSENTS)}")
    if not database.is_file():
        raise ExportError(f"no warehouse at {database}; run `make run` first")
    started = time.monotonic()
    with duckdb.connect(str(database), read_only=True) as connection:
        pii = pii_columns()
        chosen = resolve_columns(columns or default_columns(pii, hash_email), available_columns(connection), pii, hash_email)
        catalog = connection.execute(
            "select segment_key, name, status, cast(as_of_date as varchar) from marts.segments order by segment_key"
        ).fetchall()
        held = check_one_as_of_date(connection)
        if as_of_date is not None and held != as_of_date:
            raise ExportError(
                f"the warehouse holds as-of date {held}, not {as_of_date}: build that date first "
                f"(dbt build --vars '{{as_of_date: {as_of_date}}}')"
            )
        by_key = {row[0]: row for row in catalog}
        if segments:
            missing = [key for key in segments if key not in by_key]
            if missing:
                raise ExportError(f"unknown segment(s) {', '.join(missing)}; segments: {', '.join(by_key) or 'none'}")
            selected = [by_key[key] for key in sorted(set(segments))]
        else:
            selected = [row for row in catalog if row[2] == "active"]
        target = out_dir or default_export_dir() / held
        prepare_folder(target)
        entries = []
        for key, name, _, _ in selected:
            files, rows = write_files(connection, members_query(chosen, key, consent), target / key, formats)
            entries.append({
                "segment_key": key,
                "name": name,
                "rows": rows,
                "columns": [column.output_name for column in chosen],
                "as_of_date": held,
                "files": files,
            })
            log(f"segment {key}: {rows:,} row(s) -> {', '.join(f['file'] for f in files.values())}")
        suppressions = None
        if not segments:
            query = suppressions_query(hash_email)
            files, rows = write_files(connection, query, target / SUPPRESSIONS, formats)
            columns_out = [name for name, *_ in connection.execute(f"describe ({query})").fetchall()]
            suppressions = {"mart": SUPPRESSIONS, "rows": rows, "columns": columns_out, "as_of_date": held, "files": files}
            log(f"sunset suppressions: {rows:,} row(s) -> {', '.join(f['file'] for f in files.values())}")
    manifest = {
        "as_of_date": held,
        "hashed_email": hash_email,
        "consent": consent,
        "columns": [column.output_name for column in chosen],
        "segments": entries,
        "suppressions": suppressions,
    }
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    total = sum(entry["rows"] for entry in entries)
    log(
        f"exported {len(entries)} segment(s), {total:,} row(s), {len(chosen)} column(s) as of {held} "
        f"into {target} in {time.monotonic() - started:.1f} s (manifest.json)"
    )
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.segment_export", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, help="directory for the files (default: $CUSTOMER_SEGMENTS_EXPORT_DIR or "
                        "exports/, then the as-of date)")
    parser.add_argument("--columns", help=f"comma-separated columns (default: {','.join(DEFAULT_COLUMNS)})")
    parser.add_argument(
        "--segment", action="append", dest="segments", help="a segment key (repeatable; default: every active segment)"
    )
    parser.add_argument("--hash-email", action="store_true", help="email leaves as email_sha256; no other PII may leave")
    parser.add_argument("--format", default=",".join(FORMATS), help="csv, parquet or both (default: csv,parquet)")
    parser.add_argument(
        "--consent",
        choices=CONSENTS,
        help="reachable: only subscribed members with an email; all: every member (default: reachable with "
        "--hash-email, all otherwise)",
    )
    arguments = parser.parse_args(argv)
    warehouse.configure_environment()
    columns = [name.strip() for name in arguments.columns.split(",") if name.strip()] if arguments.columns else None
    formats = tuple(name.strip() for name in arguments.format.split(",") if name.strip())
    database = published_path(warehouse.duckdb_path())
    if not database.is_file():
        print(f"segment export: nothing is published at {database}: run `make run` (or `make publish`)", file=sys.stderr)
        return 2
    try:
        export_segments(
            database,
            arguments.out,
            columns,
            arguments.segments,
            arguments.hash_email,
            formats,
            consent=arguments.consent,
        )
    except ExportError as error:
        print(f"segment export: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
