"""Publish, then serve, as an asset: after every mart of the partition is built
and its blocking checks (dbt tests, Great Expectations suites) passed, the marts
are copied into the serving file readers open and swapped into place at once
(orchestration/lib/publish.py). A failed build or check skips it, so readers
keep the previous version."""

import dagster as dg

from orchestration.code_location.assets.dbt import customer_segments_dbt
from orchestration.code_location.partitions import daily_partitions
from orchestration.code_location.resources import WAREHOUSE_POOL, WarehouseResource
from orchestration.lib.publish import PublishError, publish, published_path

SERVING_GROUP = "serving"
PUBLISHED_KEY = dg.AssetKey(["published_warehouse"])
MART_KEYS = sorted(
    (spec.key for spec in customer_segments_dbt.specs if (spec.group_name or "").startswith("marts")),
    key=lambda key: key.to_user_string(),
)


@dg.asset(
    key=PUBLISHED_KEY,
    group_name=SERVING_GROUP,
    deps=MART_KEYS,
    partitions_def=daily_partitions,
    pool=WAREHOUSE_POOL,
    kinds={"duckdb"},
    description="The serving DuckDB file BI tools, the dashboard, metric queries and exports read: every mart, "
    "copied after the build and its checks passed, renamed into place atomically (DuckDB 1.0+ storage). "
    "README \"For BI tools\".",
)
def published_warehouse(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    try:
        with warehouse.marts_file() as source:
            publication = publish(source, published_path(warehouse.database), invocation_id=context.run.run_id)
    except PublishError as error:
        raise dg.Failure(description=f"publish: {error}") from error
    context.log.info(f"published {len(publication.relations)} tables to {publication.path} in {publication.seconds:.1f} s")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(publication.path)),
            "as_of_date": dg.MetadataValue.text(publication.as_of_date or ""),
            "tables": dg.MetadataValue.int(len(publication.relations)),
            "dagster/row_count": dg.MetadataValue.int(sum(publication.relations.values())),
            "seconds": dg.MetadataValue.float(round(publication.seconds, 2)),
        }
    )
