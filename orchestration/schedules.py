"""The daily refresh of today's partition.

CUSTOMER_SEGMENTS_SCHEDULE_CRON (default "0 6 * * *") and CUSTOMER_SEGMENTS_TIMEZONE
(default UTC, the partitions' zone too) say when; the schedule starts stopped
in a new deployment unless CUSTOMER_SEGMENTS_SCHEDULE_RUNNING=true.
"""

import os

import dagster as dg
from dagster._utils.schedules import is_valid_cron_string

from orchestration.jobs import refresh_segments_job
from orchestration.partitions import partition_timezone, today_partition_key

DEFAULT_CRON = "0 6 * * *"


def schedule_cron() -> str:
    cron = os.environ.get("CUSTOMER_SEGMENTS_SCHEDULE_CRON") or DEFAULT_CRON
    if not is_valid_cron_string(cron):
        raise ValueError(f"CUSTOMER_SEGMENTS_SCHEDULE_CRON={cron!r} is not a cron expression (e.g. '{DEFAULT_CRON}')")
    return cron


@dg.schedule(
    job=refresh_segments_job,
    cron_schedule=schedule_cron(),
    execution_timezone=partition_timezone(),
    default_status=dg.DefaultScheduleStatus.RUNNING
    if os.environ.get("CUSTOMER_SEGMENTS_SCHEDULE_RUNNING", "").lower() == "true"
    else dg.DefaultScheduleStatus.STOPPED,
    description="Refreshes today's partition (as-of date = the scheduled day in CUSTOMER_SEGMENTS_TIMEZONE).",
)
def daily_refresh_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    partition_key = today_partition_key(context.scheduled_execution_time, partition_timezone())
    return dg.RunRequest(run_key=f"scheduled-{partition_key}-{context.scheduled_execution_time.isoformat()}",
                         partition_key=partition_key, tags={"customer_segments/trigger": "schedule"})
