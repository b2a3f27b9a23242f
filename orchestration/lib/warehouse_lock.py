"""Who holds the DuckDB warehouse, and waiting for it: one writer at a time.

DuckDB lets one process open a database file for writing, and no reader while
it does; a second one fails with "Could not set lock on file ... (PID n)".
Every command of the project that opens the file waits up to
$CUSTOMER_SEGMENTS_LOCK_TIMEOUT seconds (30 by default) for it, then stops with
one line naming the file, the holding process and its command, and what to
do. Kept free of Dagster so that command-line tools start fast.
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path
from typing import Any

import duckdb

_LOCK_PATTERN = re.compile(r"could not set lock on file", re.IGNORECASE)
_PID_PATTERN = re.compile(r"\(PID (\d+)\)")


class WarehouseLockedError(Exception):
    """Another process holds the DuckDB file."""


def is_lock_error(text: str) -> bool:
    return bool(_LOCK_PATTERN.search(text))


# How long a command waits for another process to release the warehouse
# before it stops with one line (seconds; docs/orchestration.md "One writer at a time").
LOCK_TIMEOUT_VARIABLE = "CUSTOMER_SEGMENTS_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT_SECONDS = 30.0


def process_command(pid: str) -> str:
    """The command line of a process (Linux /proc), or '' when unknown."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return " ".join(" ".join(part.decode("utf-8", "replace") for part in raw.split(b"\0") if part).split())[:200]


def holder_text(detail: str) -> str:
    """'process 123 (dbt build ...)' from DuckDB's lock error, as far as known."""
    holder = _PID_PATTERN.search(detail)
    if not holder:
        return "another process"
    command = process_command(holder.group(1))
    return f"process {holder.group(1)}" + (f" ({command})" if command else "")


def lock_timeout() -> float:
    value = os.environ.get(LOCK_TIMEOUT_VARIABLE, "").strip()
    try:
        return max(0.0, float(value)) if value else DEFAULT_LOCK_TIMEOUT_SECONDS
    except ValueError:
        return DEFAULT_LOCK_TIMEOUT_SECONDS


def wait_until_free(database: Path, read_only: bool = False, timeout: float | None = None, log: Any = None) -> None:
    """Waits (up to `timeout`, default $CUSTOMER_SEGMENTS_LOCK_TIMEOUT or 30 s)
    while another process holds the DuckDB file, then returns; raises
    WarehouseLockedError with one line naming the file, the holder and what
    to do when it is still held. A missing file is free (for a writer)."""
    if read_only and not database.is_file():
        return
    limit = lock_timeout() if timeout is None else timeout
    started = time.monotonic()
    announced = False
    while True:
        try:
            if not read_only:
                database.parent.mkdir(parents=True, exist_ok=True)
            duckdb.connect(str(database), read_only=read_only).close()
            return
        except (duckdb.IOException, duckdb.ConnectionException) as error:
            if not is_lock_error(str(error)):
                raise
            waited = time.monotonic() - started
            if waited >= limit:
                raise WarehouseLockedError(
                    f"The warehouse {database} is in use by {holder_text(str(error))}; DuckDB lets one process write it "
                    f"at a time and no reader in meanwhile. Waited {waited:.0f} s. Let that command finish (or stop "
                    f"it), then run this again; {LOCK_TIMEOUT_VARIABLE}=<seconds> waits longer. Readers (BI tools) "
                    "belong on the published file, which builds never lock (README \"For BI tools\")."
                ) from None
            if not announced:
                (log or (lambda text: print(text, file=sys.stderr)))(
                    f"The warehouse {database} is in use by {holder_text(str(error))}; waiting up to {limit:.0f} s..."
                )
                announced = True
            time.sleep(min(1.0, max(0.05, limit - waited)))
