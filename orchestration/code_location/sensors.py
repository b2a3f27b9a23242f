"""Refresh today's partition when raw files change during the day.

The sensor fingerprints the files in RAW_DATA_DIR (name, size, modification
time). When the fingerprint differs from the one it last acted on, it asks
for a run of today's partition, unless a run is already queued or in
progress: DuckDB takes one writer, so it skips, keeps the old fingerprint and
looks again on its next tick (every CUSTOMER_SEGMENTS_SENSOR_SECONDS, default 60).
"""

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

from orchestration.code_location.jobs import refresh_segments_job
from orchestration.code_location.partitions import partition_timezone, today_partition_key
from orchestration.lib.warehouse import raw_data_dir

RAW_SUFFIXES = (".csv", ".parquet")


def raw_files_fingerprint(directory: Path) -> dict[str, list[int]]:
    """{file name: [size, mtime in ns]} of the raw files; empty when the directory is missing."""
    if not directory.is_dir():
        return {}
    return {
        path.name: [path.stat().st_size, path.stat().st_mtime_ns]
        for path in sorted(directory.iterdir())
        if path.is_file() and path.suffix in RAW_SUFFIXES
    }


def fingerprint_digest(fingerprint: dict[str, list[int]]) -> str:
    return hashlib.sha256(json.dumps(fingerprint, sort_keys=True).encode()).hexdigest()[:16]


def changed_files(old: dict[str, list[int]], new: dict[str, list[int]]) -> list[str]:
    return sorted(name for name in set(old) | set(new) if old.get(name) != new.get(name))


# The statuses of a run that has started and not ended (Dagster's own
# "in progress" set, named through the public API).
RUNNING_STATUSES = [
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
    dg.DagsterRunStatus.SUSPENDED,
]


def runs_in_progress(instance: dg.DagsterInstance) -> list[str]:
    """Ids of the runs in progress on this instance: every job here writes the warehouse."""
    return [run.run_id for run in instance.get_runs(filters=dg.RunsFilter(statuses=RUNNING_STATUSES), limit=10)]


@dg.sensor(
    job=refresh_segments_job,
    minimum_interval_seconds=int(os.environ.get("CUSTOMER_SEGMENTS_SENSOR_SECONDS") or 60),
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Starts a refresh of today's partition when files in RAW_DATA_DIR are new or changed; "
    "skips while a run is writing the warehouse.",
)
def raw_files_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    directory = raw_data_dir()
    current = raw_files_fingerprint(directory)
    previous = json.loads(context.cursor) if context.cursor else {}
    changed = changed_files(previous, current)
    if not changed:
        return dg.SkipReason(f"no new or changed raw files in {directory}")
    busy = runs_in_progress(context.instance)
    if busy:
        # The cursor stays: the change is picked up once the warehouse is free.
        return dg.SkipReason(
            f"{len(changed)} raw file(s) changed ({', '.join(changed)}) but run(s) {', '.join(busy)} are writing the "
            "warehouse (DuckDB takes one writer); will look again on the next tick"
        )
    partition_key = today_partition_key(datetime.now(UTC), partition_timezone())
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                # Per day and file state: the same files on another day, or files
                # changed back to an earlier state, still start a run.
                run_key=f"raw-{partition_key}-{fingerprint_digest(current)}-{fingerprint_digest(previous)}",
                partition_key=partition_key,
                tags={
                    "customer_segments/trigger": "raw_files_sensor",
                    "customer_segments/changed_files": ",".join(changed)[:200],
                },
            )
        ],
        cursor=json.dumps(current, sort_keys=True),
    )
