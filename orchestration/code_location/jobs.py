"""The job the schedule, the sensor and backfills run: load the raw files,
build every dbt asset for the partition's as-of date, run the dbt tests and
the Great Expectations checks. It is daily-partitioned because its assets are
(orchestration/code_location/partitions.py)."""

from __future__ import annotations

import dagster as dg

REFRESH_JOB_NAME = "refresh_segments"

refresh_segments_job = dg.define_asset_job(
    name=REFRESH_JOB_NAME,
    # Every materializable asset: the static list tables are external.
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups("static_lists"),
    description="Raw load, dbt build and data-quality checks for one as-of date (the partition).",
    tags={"customer_segments/writes": "duckdb"},
    # Steps run one after the other in the run's process: they depend on each
    # other and DuckDB takes one writer, so a process per step only adds the
    # start-up of each (about 15 s apiece).
    executor_def=dg.in_process_executor,
)
