"""Runs dbt once the DuckDB warehouse is free.

    python -m orchestration.dbt_gate build --vars '{as_of_date: 2026-06-30}'

`make build` (and `make docs`) go through this: when another process writes
the warehouse (a build, `make load`, a static list command, an open DuckDB
session), it waits up to $CUSTOMER_SEGMENTS_LOCK_TIMEOUT seconds (30 by
default), then stops with one line naming the file, the holding process and
its command, and what to do, instead of dbt's lock error in several
tracebacks. Once the file is free, dbt replaces this process (same PID, same
arguments, same exit code).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from orchestration.warehouse_lock import WarehouseLockedError, wait_until_free

# Exit status when the warehouse stayed locked (dbt uses 1 and 2).
LOCKED = 3


def main(argv: list[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if not arguments or arguments[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if arguments else 2
    if os.environ.get("DBT_TARGET", "duckdb") == "duckdb" and arguments[0] not in ("parse", "deps", "clean", "debug"):
        # the profile's default, relative to the project root where dbt runs
        database = Path(os.environ.get("DUCKDB_PATH") or "warehouse/customer_segments.duckdb")
        try:
            wait_until_free(database)
        except WarehouseLockedError as error:
            print(error, file=sys.stderr)
            return LOCKED
    dbt = Path(sys.executable).parent / "dbt"
    os.execv(str(dbt), [str(dbt), *arguments])
    return 0  # not reached


if __name__ == "__main__":
    raise SystemExit(main())
