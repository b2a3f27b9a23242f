"""The daily refresh of today's partition, built from the partitioned job.

CUSTOMER_SEGMENTS_SCHEDULE_TIME (default "06:00") says when, in
CUSTOMER_SEGMENTS_TIMEZONE (default UTC, the partitions' zone: Dagster takes
a partitioned schedule's zone from its partitions). The schedule starts
stopped in a new deployment unless CUSTOMER_SEGMENTS_SCHEDULE_RUNNING=true.
Each tick requests the newest partition: the partitions end one day late
(end_offset=1, orchestration/code_location/partitions.py), so that is the scheduled day.
"""

import os
import re

import dagster as dg

from orchestration.code_location.jobs import refresh_segments_job

DEFAULT_TIME = "06:00"


def schedule_time() -> tuple[int, int]:
    """(hour, minute) of CUSTOMER_SEGMENTS_SCHEDULE_TIME, HH:MM on a 24-hour clock."""
    if os.environ.get("CUSTOMER_SEGMENTS_SCHEDULE_CRON"):
        raise ValueError(
            "CUSTOMER_SEGMENTS_SCHEDULE_CRON is no longer read: the schedule follows the daily partitions; "
            f"set CUSTOMER_SEGMENTS_SCHEDULE_TIME=HH:MM instead (default {DEFAULT_TIME})"
        )
    value = os.environ.get("CUSTOMER_SEGMENTS_SCHEDULE_TIME") or DEFAULT_TIME
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value.strip())
    if match is None:
        raise ValueError(f"CUSTOMER_SEGMENTS_SCHEDULE_TIME={value!r} is not a time HH:MM (e.g. '{DEFAULT_TIME}')")
    return int(match.group(1)), int(match.group(2))


HOUR, MINUTE = schedule_time()

daily_refresh_schedule = dg.build_schedule_from_partitioned_job(
    refresh_segments_job,
    name="daily_refresh_schedule",
    description="Refreshes today's partition (as-of date = the scheduled day in CUSTOMER_SEGMENTS_TIMEZONE).",
    hour_of_day=HOUR,
    minute_of_hour=MINUTE,
    default_status=dg.DefaultScheduleStatus.RUNNING
    if os.environ.get("CUSTOMER_SEGMENTS_SCHEDULE_RUNNING", "").lower() == "true"
    else dg.DefaultScheduleStatus.STOPPED,
    tags={"customer_segments/trigger": "schedule"},
)
