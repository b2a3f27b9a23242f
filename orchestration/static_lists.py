"""Static lists: freeze a segment's members, or upload a CSV of contact ids.

    python -m orchestration.static_lists freeze --segment win_back_big_spenders --list win_back_2026_11
    python -m orchestration.static_lists upload --list fair_visitors --csv visitors.csv
    python -m orchestration.static_lists show

Both write through dbt operations (freeze_static_list,
create_static_list_from_upload), so the rules live in SQL; a list is
written once and no later build changes it. An upload's unknown, empty and
repeated ids are reported and kept in static_lists.static_list_rejected_ids.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb

from orchestration.lib import postgres, spark, warehouse

PROJECT_DIR = Path(__file__).resolve().parent.parent
KEY = re.compile(r"^[a-z][a-z0-9_]*$")


def on_postgres() -> bool:
    """The lists live in the warehouse dbt builds: DBT_TARGET's."""
    return warehouse.dbt_target() == "postgres"


def on_spark() -> bool:
    return warehouse.dbt_target() == "spark"


def schema() -> str:
    return os.environ.get("STATIC_LISTS_SCHEMA", "static_lists")


def run_operation(macro: str, arguments: dict[str, object]) -> int:
    command = [str(Path(sys.executable).parent / "dbt"), "run-operation", macro, "--args", json.dumps(arguments)]
    return subprocess.run(command, cwd=PROJECT_DIR, check=False).returncode


def read_ids(path: Path, column: str) -> list[str]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or column not in reader.fieldnames:
            raise SystemExit(f"{path}: no column '{column}' in the header (found: {', '.join(reader.fieldnames or [])})")
        return [row[column] or "" for row in reader]


def upload(list_key: str, path: Path, column: str, name: str | None, description: str | None) -> int:
    if not KEY.match(list_key):
        raise SystemExit(f"static list '{list_key}': the key must be snake_case (lower-case letters, digits and _)")
    ids = read_ids(path, column)
    table = f"{schema()}.upload_{list_key}"
    if on_postgres():
        connection = postgres.builder_login().connect()
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"create schema if not exists {schema()}")
                cursor.execute(f"drop table if exists {table}")
                cursor.execute(f"create table {table} (contact_id text)")
                cursor.executemany(f"insert into {table} values (%s)", [[value] for value in ids])
            connection.commit()
        finally:
            connection.close()
    elif on_spark():
        spark.save_table(table, "contact_id", ids)
    else:
        with duckdb.connect(str(warehouse.duckdb_path())) as connection:
            connection.execute(f"create schema if not exists {schema()}")
            connection.execute(f"create or replace table {table} (contact_id varchar)")
            connection.executemany(f"insert into {table} values (?)", [[value] for value in ids])
    print(f"uploaded {len(ids):,} id(s) from {path} into {table}")
    arguments: dict[str, object] = {"list_key": list_key, "upload_relation": table, "source_file": path.name}
    if name:
        arguments["name"] = name
    if description:
        arguments["description"] = description
    return run_operation("create_static_list_from_upload", arguments)


def show() -> int:
    query = (
        f"select list_key, source_type, coalesce(source_segment_key, source_file), effective_date, members, rejected_ids "
        f"from {schema()}.static_lists order by list_key"
    )
    if on_postgres():
        connection = postgres.builder_login().connect()
        try:
            with connection.cursor() as cursor:
                cursor.execute(query)
                rows = cursor.fetchall()
        finally:
            connection.close()
    elif on_spark():
        rows = [tuple(row) for row in spark.query(query)]
    else:
        with duckdb.connect(str(warehouse.duckdb_path()), read_only=True) as connection:
            rows = connection.execute(query).fetchall()
    print(f"{'list':<32} {'source':<40} {'effective':<10} {'members':>9} {'rejected':>9}")
    for key, kind, source, effective, members, rejected in rows:
        print(f"{key:<32} {kind + ': ' + source:<40} {effective!s:<10} {members:>9,} {rejected:>9,}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    freeze = commands.add_parser("freeze", help="freeze a segment's current members (segment_members) into a new static list")
    freeze.add_argument("--segment", required=True, help="segment key")
    freeze.add_argument("--list", required=True, dest="list_key", help="new static list key (snake_case)")
    freeze.add_argument("--name")
    freeze.add_argument("--description")
    load = commands.add_parser("upload", help="a new static list from a CSV of contact ids")
    load.add_argument("--list", required=True, dest="list_key", help="new static list key (snake_case)")
    load.add_argument("--csv", required=True, type=Path, help="CSV file with a header")
    load.add_argument("--column", default="contact_id", help="the column holding contact ids (default: contact_id)")
    load.add_argument("--name")
    load.add_argument("--description")
    commands.add_parser("show", help="list the static lists")
    arguments = parser.parse_args(argv)
    warehouse.configure_environment()
    try:
        warehouse.wait_until_free(warehouse.duckdb_path(), read_only=arguments.command == "show")
    except warehouse.WarehouseLockedError as error:
        print(f"static lists: {error}", file=sys.stderr)
        return 3
    if arguments.command == "freeze":
        options: dict[str, object] = {"list_key": arguments.list_key, "segment_key": arguments.segment}
        if arguments.name:
            options["name"] = arguments.name
        if arguments.description:
            options["description"] = arguments.description
        return run_operation("freeze_static_list", options)
    if arguments.command == "upload":
        return upload(arguments.list_key, arguments.csv, arguments.column, arguments.name, arguments.description)
    return show()


if __name__ == "__main__":
    raise SystemExit(main())
