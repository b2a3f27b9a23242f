"""Daily partitions: a partition key is the `as_of_date` dbt computes for.

Settings (environment variables, read when the definitions load):
- CUSTOMER_SEGMENTS_PARTITIONS_START: first partition, YYYY-MM-DD (default 2025-01-01).
- CUSTOMER_SEGMENTS_TIMEZONE: IANA zone that decides which day "today" is (default UTC).
"""

from __future__ import annotations

import json
import os
from datetime import date, datetime
from zoneinfo import ZoneInfo

import dagster as dg

DEFAULT_START = "2025-01-01"
DEFAULT_TIMEZONE = "UTC"


def partition_timezone() -> str:
    zone = os.environ.get("CUSTOMER_SEGMENTS_TIMEZONE") or DEFAULT_TIMEZONE
    ZoneInfo(zone)  # raises a clear error for an unknown zone
    return zone


def partition_start() -> str:
    start = os.environ.get("CUSTOMER_SEGMENTS_PARTITIONS_START") or DEFAULT_START
    try:
        date.fromisoformat(start)
    except ValueError as error:
        raise ValueError(f"CUSTOMER_SEGMENTS_PARTITIONS_START={start!r} is not a date (YYYY-MM-DD)") from error
    return start


def build_daily_partitions() -> dg.DailyPartitionsDefinition:
    # end_offset=1: today's partition exists during the day, so the schedule and
    # the sensor can refresh it (Dagster's default stops at yesterday).
    return dg.DailyPartitionsDefinition(start_date=partition_start(), timezone=partition_timezone(), end_offset=1)


daily_partitions = build_daily_partitions()


def as_of_date_for_partition(partition_key: str) -> str:
    """The partition key is the as-of date; anything else is refused."""
    try:
        return date.fromisoformat(partition_key).isoformat()
    except ValueError as error:
        raise ValueError(f"partition key {partition_key!r} is not an as-of date (YYYY-MM-DD)") from error


def dbt_vars_for_partition(partition_key: str | None, raw_source_mode: str = "files") -> list[str]:
    """The `--vars` arguments for a dbt command: as_of_date from the partition
    (left out for an unpartitioned run: dbt then uses today in UTC) and where
    the raw relations come from."""
    variables: dict[str, str] = {"raw_source_mode": raw_source_mode}
    if partition_key is not None:
        variables["as_of_date"] = as_of_date_for_partition(partition_key)
    return ["--vars", json.dumps(variables, sort_keys=True)]


def today_partition_key(now: datetime, timezone: str) -> str:
    """The partition of the day `now` falls on in `timezone`."""
    return now.astimezone(ZoneInfo(timezone)).date().isoformat()
