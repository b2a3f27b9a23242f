"""Runs dbt once the DuckDB warehouse is free.

    python -m orchestration.dbt_gate build --vars '{as_of_date: 2026-06-30}'

`make build` (and `make docs`) go through this: when another process writes
the warehouse (a build, `make load`, a static list command, an open DuckDB
session), it waits up to $CUSTOMER_SEGMENTS_LOCK_TIMEOUT seconds (30 by
default), then stops with one line naming the file, the holding process and
its command, and what to do, instead of dbt's lock error in several
tracebacks. When DBT_THREADS is not set, it picks the number of dbt threads
(orchestration/lib/dbt_threads.py: one when the raw files outgrow
DUCKDB_MEMORY_LIMIT, two otherwise). Once the file is free, dbt replaces this process (same PID, same
arguments, same exit code).

Before that, it reads the segment definitions as written (models/**/*.yml,
`meta.segment`). A definition whose model file is missing stops here naming
it (dbt would only warn and leave the segment out). And dbt renders YAML as Jinja, and a value such as an email
merge tag `'{{ campaign_name }}'` makes every dbt command fail with a Python
TypeError that names no file. Such a value stops here with one line naming
the file, the segment, the path in its definition and the value (the build's
hook refuses the Jinja that does render, docs/segments.md).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import yaml

from orchestration.lib import dbt_threads
from orchestration.lib.warehouse import dbt_target
from orchestration.lib.warehouse_lock import WarehouseLockedError, wait_until_free

# Exit status when the warehouse stayed locked (dbt uses 1 and 2).
LOCKED = 3


JINJA_MARKERS = ("{{", "{%", "{#")


def jinja_values(value: object, path: str) -> list[tuple[str, str]]:
    """(path, text) of every string in a definition that holds Jinja."""
    if isinstance(value, str):
        return [(path, value)] if any(marker in value for marker in JINJA_MARKERS) else []
    if isinstance(value, dict):
        return [found for key, item in value.items() for found in jinja_values(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [found for index, item in enumerate(value) for found in jinja_values(item, f"{path}[{index}]")]
    return []


def jinja_in_definitions(project_dir: Path) -> str | None:
    """The first problem of a segment definition dbt cannot report itself, as a message: a value that is
    Jinja, or a definition without its model file (dbt would only warn and leave the segment out); None
    when there is none."""
    model_files = {file.stem for file in (project_dir / "models").rglob("*.sql")}
    for file in sorted((project_dir / "models").rglob("*.yml")):
        try:
            document = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        except (yaml.YAMLError, UnicodeDecodeError):
            continue  # dbt reports a file it cannot read, naming it
        models = document.get("models") if isinstance(document, dict) else None
        for model in models if isinstance(models, list) else []:
            if not isinstance(model, dict):
                continue
            for where, meta in (("config.meta", (model.get("config") or {}).get("meta")), ("meta", model.get("meta"))):
                if not isinstance(meta, dict) or "segment" not in meta:
                    continue
                found = jinja_values(meta["segment"], f"{where}.segment")
                name = str(model.get("name", "?"))
                if not found and name not in model_files:
                    return (
                        f"segment '{name.removeprefix('seg_')}' ({file.relative_to(project_dir)}) has no model: create "
                        f"models/segments/{name}.sql holding {{{{ segment_model() }}}} (docs/segments.md \"Add a segment\")"
                    )
                if found:
                    path, text = found[0]
                    key = str(model.get("name", "?")).removeprefix("seg_")
                    return (
                        f"segment '{key}' ({file.relative_to(project_dir)}), {path}: '{text[:200]}' is Jinja, which dbt "
                        "renders before the segment language reads it; definitions take plain values (a merge tag cannot "
                        "be a value)"
                    )
    return None


def main(argv: list[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if not arguments or arguments[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if arguments else 2
    problem = jinja_in_definitions(Path(os.environ.get("DBT_PROJECT_DIR") or "."))
    if problem:
        print(problem, file=sys.stderr)
        return 2
    if dbt_target() == "duckdb" and arguments[0] not in ("parse", "deps", "clean", "debug"):
        # the profile's default, relative to the project root where dbt runs
        database = Path(os.environ.get("DUCKDB_PATH") or "warehouse/customer_segments.duckdb")
        try:
            wait_until_free(database)
        except WarehouseLockedError as error:
            print(error, file=sys.stderr)
            return LOCKED
    threads, note = dbt_threads.choose(os.environ, Path(os.environ.get("DBT_PROJECT_DIR") or "."))
    if note:
        print(note, file=sys.stderr)
    os.environ["DBT_THREADS"] = threads
    dbt = Path(sys.executable).parent / "dbt"
    os.execv(str(dbt), [str(dbt), *arguments])
    return 0  # not reached


if __name__ == "__main__":
    raise SystemExit(main())
