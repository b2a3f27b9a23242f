"""Where the warehouse and the raw files are, and who may write the DuckDB file.

One source of truth for both Dagster and dbt: the environment variables
``DUCKDB_PATH`` and ``RAW_DATA_DIR`` (the dbt profile reads the same ones, and
dagster-dbt passes the environment to dbt). DuckDB lets one process write a
database file at a time; a second writer fails with "Could not set lock on
file". Runs detect that case, fail with a message saying who holds the file,
and retry (see orchestration/code_location/resources.py).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import duckdb

from orchestration.lib.warehouse_lock import (  # noqa: F401 (re-exported: one import for callers)
    LOCK_TIMEOUT_VARIABLE,
    WarehouseLockedError,
    holder_text,
    is_lock_error,
    wait_until_free,
)

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEFAULT_DUCKDB_PATH = "warehouse/customer_segments.duckdb"
DEFAULT_RAW_DATA_DIR = "data/raw"


def configure_environment() -> None:
    """Defaults for a run started without the Makefile: absolute paths inside
    the project, the project's dbt profile and dbt executable, telemetry off."""
    for name, default in (("DUCKDB_PATH", DEFAULT_DUCKDB_PATH), ("RAW_DATA_DIR", DEFAULT_RAW_DATA_DIR)):
        value = Path(os.environ.get(name) or default)
        os.environ[name] = str(value if value.is_absolute() else (PROJECT_DIR / value).resolve())
    # dbt of this interpreter's environment first on PATH: dagster-dbt's dev-mode
    # `dbt parse` looks for `dbt` there.
    interpreter_bin = str(Path(sys.executable).parent)
    if interpreter_bin not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = interpreter_bin + os.pathsep + os.environ.get("PATH", "")
    os.environ.setdefault("DBT_PROFILES_DIR", str(PROJECT_DIR))
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


def dbt_target() -> str:
    """The profile target every command builds and reads (DBT_TARGET): duckdb, the default, or postgres."""
    return os.environ.get("DBT_TARGET") or "duckdb"


def duckdb_path() -> Path:
    return Path(os.environ.get("DUCKDB_PATH") or PROJECT_DIR / DEFAULT_DUCKDB_PATH)


def raw_data_dir() -> Path:
    return Path(os.environ.get("RAW_DATA_DIR") or PROJECT_DIR / DEFAULT_RAW_DATA_DIR)


def lock_message(database: Path, detail: str) -> str:
    who = holder_text(detail)
    return (
        f"The warehouse {database} is held open by {who}: DuckDB lets no other process write a file "
        "that one reads or writes. If it is a build, wait for it; if it is a reader (a BI tool or a "
        "DuckDB session), close it and point it at the published file (published/ beside the warehouse, "
        "README \"For BI tools\"), which builds never lock. This run retries on its own."
    )


def check_writable(database: Path) -> None:
    """Opens the file for writing and closes it at once; raises
    WarehouseLockedError naming the holder when another process has it."""
    database.parent.mkdir(parents=True, exist_ok=True)
    try:
        duckdb.connect(str(database)).close()
    except duckdb.IOException as error:
        if is_lock_error(str(error)):
            raise WarehouseLockedError(lock_message(database, str(error))) from error
        raise
