"""Every dbt model and seed as an asset, dbt tests as asset checks, built by
`dbt build` for the partition's as-of date."""

import os
from collections.abc import Iterator
from typing import Any

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.code_location.assets.raw import dbt_raw_source_mode
from orchestration.code_location.dbt_project import dbt_project
from orchestration.code_location.dbt_translator import CustomerSegmentsTranslator
from orchestration.code_location.metadata import mart_metadata
from orchestration.code_location.partitions import as_of_date_for_partition, daily_partitions, dbt_vars_for_partition
from orchestration.code_location.resources import WAREHOUSE_POOL, WarehouseResource
from orchestration.lib import dbt_threads

translator = CustomerSegmentsTranslator()


def dbt_build_args(partition_key: str | None, raw_source_mode: str) -> list[str]:
    """`dbt build` for one as-of date (see partitions.dbt_vars_for_partition).
    dbt unit tests prove the SQL on fixed rows and are run by `make test`; a
    production run checks the data, with the data tests."""
    return ["build", "--exclude-resource-type", "unit_test", *dbt_vars_for_partition(partition_key, raw_source_mode)]


def _asset_key(context: dg.AssetExecutionContext, event: Any) -> dg.AssetKey | None:
    if isinstance(event, dg.Output):
        return context.asset_key_for_output(event.output_name)
    if isinstance(event, dg.AssetMaterialization):
        return event.asset_key
    return None


def _is_mart(context: dg.AssetExecutionContext, key: dg.AssetKey) -> bool:
    spec = context.assets_def.specs_by_key.get(key)
    return bool(spec and (spec.group_name or "").startswith("marts"))


def _with_mart_metadata(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, events: list[Any], as_of_date: str | None
) -> Iterator[Any]:
    """Adds rows and summary tables to each mart's materialisation."""
    if warehouse.target == "duckdb" and not warehouse.database.is_file():
        yield from events
        return
    with warehouse.marts_file() as database, duckdb.connect(str(database), read_only=True) as connection:
        for event in events:
            key = _asset_key(context, event)
            if key is not None and isinstance(event, dg.Output) and _is_mart(context, key):
                event = event.with_metadata({**event.metadata, **mart_metadata(connection, key.path[-1], as_of_date)})
            yield event


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=translator,
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.multi_run(max_partitions_per_run=1),
    pool=WAREHOUSE_POOL,
    name="customer_segments_dbt",
)
def customer_segments_dbt(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
) -> Iterator[Any]:
    warehouse.ensure_writable(context)
    # A subset of the graph (a selection in the UI, part of a backfill) runs the dbt tests whose models are all
    # in it: dbt's default (eager) would also run a relationships test to a model left out, against a missing
    # or stale table. A whole-graph run selects every model, so it runs every test either way.
    os.environ.setdefault("DBT_INDIRECT_SELECTION", "cautious")
    partition_key = context.partition_key if context.has_partition_key else None
    as_of_date = as_of_date_for_partition(partition_key) if partition_key else None
    # as `make build` picks them (orchestration/lib/dbt_threads.py)
    threads, note = dbt_threads.choose(os.environ, dbt_project.project_dir)
    if note:
        context.log.info(note)
    invocation = dbt.cli(
        [*dbt_build_args(partition_key, dbt_raw_source_mode()), "--threads", threads], context=context, raise_on_error=False
    )
    # Materialisations are held until dbt exits: the row counts and tables
    # attached to them are read from the DuckDB file, which dbt holds while it runs.
    events = list(invocation.stream())
    error = invocation.get_error()
    if error is not None:
        warehouse.raise_if_locked(context, str(error))
    yield from _with_mart_metadata(context, warehouse, events, as_of_date)
    if error is not None:
        raise dg.Failure(
            description=f"dbt build failed for as-of date {as_of_date or 'today'}: {error}",
            metadata={"dbt_command": dg.MetadataValue.text(invocation.dbt_command)},
        )
