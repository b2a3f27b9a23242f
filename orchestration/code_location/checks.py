"""The Great Expectations suites as Dagster asset checks, one per mart, run
after the build in the same run (a read-only connection to the warehouse)."""

from collections.abc import Iterator

import dagster as dg

from orchestration.code_location.partitions import as_of_date_for_partition
from orchestration.code_location.resources import WAREHOUSE_POOL, WarehouseResource
from orchestration.lib.quality.runner import as_of_date_in, data_docs_index, gx_project_dir, markdown_report, run_suites
from orchestration.lib.quality.suites import SuiteSettings, build_suites

CHECK_NAME = "great_expectations"
GX_MARTS = [suite.mart for suite in build_suites(SuiteSettings(as_of_date="2000-01-01"))]


def _partition_key(context: dg.AssetCheckExecutionContext) -> str | None:
    return context.run.tags.get("dagster/partition")


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(
            CHECK_NAME,
            asset=dg.AssetKey([mart]),
            blocking=True,
            description=f"Great Expectations suite marts.{mart} (orchestration/lib/quality/suites.py).",
        )
        for mart in GX_MARTS
    ],
    can_subset=True,
    pool=WAREHOUSE_POOL,
    name="great_expectations_suites",
)
def great_expectations_suites(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> Iterator[dg.AssetCheckResult]:
    selected = {key.asset_key.path[-1] for key in context.selected_asset_check_keys}
    partition_key = _partition_key(context)
    with warehouse.marts_file() as database:
        as_of_date = as_of_date_for_partition(partition_key) if partition_key else as_of_date_in(database)
        results = run_suites(database, SuiteSettings(as_of_date=as_of_date), marts=sorted(selected),
                             run_name=f"as of {as_of_date}, Dagster run {context.run.run_id}")  # fmt: skip
    docs = data_docs_index(gx_project_dir(warehouse.database))
    for result in results:
        failed = result.failures
        metadata = {
            "as_of_date": dg.MetadataValue.text(as_of_date),
            "expectations": dg.MetadataValue.int(len(result.outcomes)),
            "failed_expectations": dg.MetadataValue.int(len(failed) + (1 if result.error else 0)),
            "results": dg.MetadataValue.md(markdown_report(result)),
            "data_docs": dg.MetadataValue.path(str(docs)),
        }
        if not result.success:
            first = failed[0] if failed else None
            summary = result.error or f"{first.frame}: {first.expectation} observed {first.observed}"
            context.log.error(f"marts.{result.mart}: {len(failed)} expectation(s) failed; first: {summary}")
        yield dg.AssetCheckResult(
            asset_key=dg.AssetKey([result.mart]),
            check_name=CHECK_NAME,
            passed=result.success,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata=metadata,
            description=None if result.success else result.error or f"{len(failed)} expectation(s) failed",
        )
