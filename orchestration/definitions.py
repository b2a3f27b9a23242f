"""The Dagster code location: `dagster dev -m orchestration.definitions` (`make dagster`).

Only wiring: assets, checks, job, schedule, sensor and resources are defined in
their own modules.
"""

from __future__ import annotations

import sys
from pathlib import Path

from orchestration.warehouse import configure_environment

configure_environment()

import dagster as dg  # noqa: E402
from dagster_dbt import DbtCliResource  # noqa: E402

from orchestration.dbt.assets import customer_segments_dbt  # noqa: E402
from orchestration.dbt.project import dbt_project  # noqa: E402
from orchestration.export_assets import segment_exports  # noqa: E402
from orchestration.jobs import refresh_segments_job  # noqa: E402
from orchestration.quality.checks import great_expectations_suites  # noqa: E402
from orchestration.raw_assets import raw_load  # noqa: E402
from orchestration.schedules import daily_refresh_schedule  # noqa: E402
from orchestration.sensors import raw_files_sensor  # noqa: E402
from orchestration.static_list_assets import static_list_tables  # noqa: E402
from orchestration.warehouse import WarehouseResource  # noqa: E402

defs = dg.Definitions(
    assets=[raw_load, customer_segments_dbt, segment_exports, *static_list_tables],
    asset_checks=[great_expectations_suites],
    jobs=[refresh_segments_job],
    schedules=[daily_refresh_schedule],
    sensors=[raw_files_sensor],
    # Also for asset materialisations launched from the UI (see jobs.py).
    executor=dg.in_process_executor,
    resources={
        # The dbt of this interpreter's environment (.venv), whatever PATH holds.
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=str(Path(sys.executable).parent / "dbt")),
        "warehouse": WarehouseResource(),
    },
)
