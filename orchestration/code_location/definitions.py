"""The Dagster code location: `dagster dev -m orchestration.code_location.definitions` (`make dagster`).

Only wiring: assets, checks, job, schedule, sensor and resources are defined in
their own modules.
"""

from __future__ import annotations

from orchestration.lib.warehouse import configure_environment

configure_environment()

import dagster as dg  # noqa: E402

from orchestration.code_location.assets.dbt import customer_segments_dbt  # noqa: E402
from orchestration.code_location.assets.exports import segment_exports  # noqa: E402
from orchestration.code_location.assets.publish import published_warehouse  # noqa: E402
from orchestration.code_location.assets.raw import raw_load  # noqa: E402
from orchestration.code_location.assets.static_lists import static_list_tables  # noqa: E402
from orchestration.code_location.checks import great_expectations_suites  # noqa: E402
from orchestration.code_location.jobs import refresh_segments_job  # noqa: E402
from orchestration.code_location.resources import resources  # noqa: E402
from orchestration.code_location.schedules import daily_refresh_schedule  # noqa: E402
from orchestration.code_location.sensors import raw_files_sensor  # noqa: E402

defs = dg.Definitions(
    assets=[raw_load, customer_segments_dbt, published_warehouse, segment_exports, *static_list_tables],
    asset_checks=[great_expectations_suites],
    jobs=[refresh_segments_job],
    schedules=[daily_refresh_schedule],
    sensors=[raw_files_sensor],
    # Also for asset materialisations launched from the UI (see jobs.py).
    executor=dg.in_process_executor,
    resources=resources(),
)
