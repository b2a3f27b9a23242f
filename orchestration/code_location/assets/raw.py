"""The raw-data load: the files in RAW_DATA_DIR into the `raw` schema of the
warehouse, one asset per contract entity (`raw/contacts`, ...), upstream of the
dbt sources.

CUSTOMER_SEGMENTS_RAW_LOAD chooses how (default `tables`):
- `tables`: copy each file into a text-typed table (what a loading tool does);
  dbt then reads the tables (`raw_source_mode: tables`).
- `views`: views over the files, as dbt's files mode makes them: nothing is
  copied, which suits large files; dbt runs with `raw_source_mode: files`.
"""

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

from orchestration.code_location.dbt_translator import RAW_GROUP, raw_asset_key
from orchestration.code_location.partitions import daily_partitions
from orchestration.code_location.resources import WAREHOUSE_POOL, WarehouseResource
from orchestration.lib import postgres
from orchestration.lib.raw_contract import load_contract
from orchestration.lib.warehouse import dbt_target
from orchestration.loader import MALFORMED_LINES, RawDataError, find_file, load_duckdb, load_postgres, load_spark

RAW_LOAD_MODES = ("tables", "views")


def raw_load_mode() -> str:
    mode = os.environ.get("CUSTOMER_SEGMENTS_RAW_LOAD") or "tables"
    if mode not in RAW_LOAD_MODES:
        raise ValueError(f"CUSTOMER_SEGMENTS_RAW_LOAD={mode!r}: expected one of {', '.join(RAW_LOAD_MODES)}")
    return mode


def dbt_raw_source_mode() -> str:
    """The dbt var raw_source_mode that reads what the raw load made (on
    Spark, always files: the build's external tables over the loaded Parquet)."""
    if dbt_target() == "spark":
        return "files"
    return "tables" if raw_load_mode() == "tables" else "files"


def file_fingerprint(path: Path) -> dict[str, Any]:
    stat = path.stat()
    return {"size_bytes": stat.st_size, "modified_at": datetime.fromtimestamp(stat.st_mtime, UTC).isoformat(timespec="seconds")}


_CONTRACT = load_contract()


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            raw_asset_key(entity.name),
            group_name=RAW_GROUP,
            description=f"Raw {entity.name} from RAW_DATA_DIR/{entity.name}.csv or .parquet, every column as text "
            f"({'required' if entity.required_file else 'optional'} file).",
            kinds={"duckdb"},
            skippable=False,
        )
        for entity in _CONTRACT.values()
    ]
    + [
        dg.AssetSpec(
            raw_asset_key("malformed_lines"),
            group_name=RAW_GROUP,
            description="The lines of the raw CSV files that could not be read as rows (file, line number, text, "
            "reader error); staging quarantines each as malformed_line.",
            kinds={"duckdb"},
            skippable=False,
        )
    ],
    partitions_def=daily_partitions,
    pool=WAREHOUSE_POOL,
    name="raw_load",
)
def raw_load(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Loads every raw file into the warehouse; a file that breaks the contract
    fails the step with the file and column named, and nothing is written."""
    warehouse.ensure_writable(context)
    mode = raw_load_mode()
    try:
        if warehouse.target == "postgres":
            # COPY into the server's raw schema (a server reads no files of ours: no views mode)
            mode = "tables"
            rows: dict[str, int | None] = dict(load_postgres(postgres.builder_login(), warehouse.raw_data_dir))
        elif warehouse.target == "spark":
            # Parquet files for the build's external tables (loader.load_spark)
            mode = "tables"
            rows = dict(load_spark(warehouse.raw_data_dir))
        else:
            rows = load_duckdb(warehouse.database, warehouse.raw_data_dir, as_views=mode == "views")
    except RawDataError as error:
        raise dg.Failure(description=str(error)) from error
    except duckdb.IOException as error:
        warehouse.raise_if_locked(context, str(error))
        raise
    malformed = rows.pop(MALFORMED_LINES, 0)
    context.log.info(f"raw.{MALFORMED_LINES}: {malformed:,} malformed CSV line(s)")
    yield dg.MaterializeResult(asset_key=raw_asset_key("malformed_lines"), metadata={"dagster/row_count": malformed or 0})
    for name, count in rows.items():
        raw_file = find_file(warehouse.raw_data_dir, _CONTRACT[name])
        metadata: dict[str, Any] = {"load_mode": mode, "raw_data_dir": str(warehouse.raw_data_dir)}
        if raw_file is None:
            metadata["file"] = "absent (optional): an empty relation"
        else:
            metadata.update({"file": str(raw_file.path), **file_fingerprint(raw_file.path)})
        if count is not None:
            metadata["dagster/row_count"] = count
        counted = f"{count:,} rows" if count is not None else "a view (rows not counted)"
        context.log.info(f"raw.{name}: {'no file' if raw_file is None else raw_file.path.name}, {counted}")
        yield dg.MaterializeResult(asset_key=raw_asset_key(name), metadata=metadata)
