"""The number of dbt threads when DBT_THREADS is not set.

Two threads run two models beside each other under one DuckDB memory limit.
When the data outgrows the limit both spill, and at 100M events under 2GB two
threads were slower than one (612 s against 522 s) and twice ran out of memory
(BENCHMARKS.md, DECISIONS.md). So `make build` (orchestration.dbt_gate) and
`make benchmark` use one thread when the raw files are larger than the memory
limit, and two otherwise; DBT_THREADS set to anything wins.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

# profiles.yml's defaults
DEFAULT_THREADS = "2"
DEFAULT_MEMORY_LIMIT = "2GB"
DEFAULT_RAW_DATA_DIR = "data/raw"

# CSV holds the same rows in about four times the bytes of Parquet (the
# generated medium sample: 1.1 GB of CSV, 0.27 GB of Parquet).
CSV_BYTES_PER_PARQUET_BYTE = 4

UNITS = {
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "tb": 1000**4,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
    "tib": 1024**4,
}


def memory_bytes(text: str) -> int | None:
    """Bytes of a DuckDB memory_limit text ('2GB', '512 MiB', '1.5gb'); None
    when it is not one (DuckDB then reports it)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b|b)\s*", text, flags=re.IGNORECASE)
    if not match:
        return None
    return int(float(match.group(1)) * UNITS[match.group(2).lower()])


def raw_size(raw_dir: Path) -> int:
    """The raw files' size in Parquet bytes: Parquet files as they are, CSV
    files divided by CSV_BYTES_PER_PARQUET_BYTE."""
    if not raw_dir.is_dir():
        return 0
    parquet = sum(path.stat().st_size for path in raw_dir.glob("*.parquet") if path.is_file())
    csv = sum(path.stat().st_size for path in raw_dir.glob("*.csv") if path.is_file())
    return parquet + csv // CSV_BYTES_PER_PARQUET_BYTE


def choose(env: Mapping[str, str], project_dir: Path = Path(".")) -> tuple[str, str | None]:
    """(threads, note): DBT_THREADS when set; otherwise one thread on DuckDB
    when the raw files outgrow DUCKDB_MEMORY_LIMIT (the note says why), two
    otherwise (no note)."""
    if env.get("DBT_THREADS"):
        return env["DBT_THREADS"], None
    if env.get("DBT_TARGET", "duckdb") != "duckdb":
        return DEFAULT_THREADS, None
    limit_text = env.get("DUCKDB_MEMORY_LIMIT") or DEFAULT_MEMORY_LIMIT
    limit = memory_bytes(limit_text)
    raw_dir = Path(env.get("RAW_DATA_DIR") or DEFAULT_RAW_DATA_DIR)
    size = raw_size(raw_dir if raw_dir.is_absolute() else project_dir / raw_dir)
    if limit is None or size <= limit:
        return DEFAULT_THREADS, None
    return "1", (
        f"DBT_THREADS=1: the raw files ({size / 1000**3:.1f} GB as Parquet) are larger than "
        f"DUCKDB_MEMORY_LIMIT ({limit_text}), so DuckDB spills, and one model at a time is faster and stays "
        "within the limit (set DBT_THREADS to choose)"
    )
