"""Pure helpers of the orchestration package, the schedule and the sensor:
no dbt build (fast)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import dagster as dg
import pytest
from dagster._core.storage.dagster_run import DagsterRun, DagsterRunStatus

from orchestration.code_location.dbt_translator import group_for
from orchestration.code_location.metadata import markdown_table
from orchestration.code_location.partitions import as_of_date_for_partition, dbt_vars_for_partition, today_partition_key
from orchestration.code_location.resources import WarehouseResource
from orchestration.code_location.schedules import schedule_time
from orchestration.code_location.sensors import changed_files, raw_files_fingerprint, raw_files_sensor
from orchestration.lib.dbt_threads import choose, memory_bytes
from orchestration.lib.quality.runner import describe_observed
from orchestration.lib.quality.suites import opportunity_groups, persona_names
from orchestration.lib.warehouse import is_lock_error, lock_message


def test_partition_key_becomes_the_as_of_date_var() -> None:
    assert dbt_vars_for_partition("2026-06-30", "tables") == [
        "--vars", json.dumps({"as_of_date": "2026-06-30", "raw_source_mode": "tables"}, sort_keys=True)
    ]
    assert dbt_vars_for_partition(None) == ["--vars", json.dumps({"raw_source_mode": "files"})]
    with pytest.raises(ValueError, match="not an as-of date"):
        as_of_date_for_partition("2026-02-30")


def test_today_is_the_day_in_the_configured_time_zone() -> None:
    late_evening_utc = datetime(2026, 6, 30, 22, 30, tzinfo=UTC)
    assert today_partition_key(late_evening_utc, "UTC") == "2026-06-30"
    assert today_partition_key(late_evening_utc, "Pacific/Auckland") == "2026-07-01"
    assert today_partition_key(late_evening_utc, "America/Los_Angeles") == "2026-06-30"


def test_groups_follow_the_dbt_folders() -> None:
    assert group_for("model", ["customer_segments", "marts", "rfm", "rfm_scores"]) == "marts_rfm"
    assert group_for("model", ["customer_segments", "staging", "crm", "base", "base_crm__contacts_validated"]) == "staging_crm"
    assert group_for("seed", ["customer_segments", "currency_rates"]) == "seeds"


def test_markdown_table_formats_numbers_and_escapes_pipes() -> None:
    table = markdown_table(["name", "rows", "share", "ok"], [["a|b", 1234567, 12.345, True], [None, 0, 0.0, False]])
    assert table.splitlines() == [
        "| name | rows | share | ok |",
        "|---|---|---|---|",
        "| a/b | 1,234,567 | 12.35 | yes |",
        "|  | 0 | 0.00 | no |",
    ]


def test_lock_errors_are_recognised_and_name_the_holder() -> None:
    duckdb_text = (
        'IO Error: Could not set lock on file "/w.duckdb": Conflicting lock is held in /usr/bin/python3 (PID 4242) by user'
    )
    assert is_lock_error(duckdb_text)
    assert not is_lock_error("Catalog Error: Table with name x does not exist")
    message = lock_message(Path("/w.duckdb"), duckdb_text)
    assert "process 4242" in message and "/w.duckdb" in message and "retries" in message


def test_observed_values_are_described_for_people() -> None:
    assert describe_observed({"observed_value": 3}) == "3"
    assert describe_observed(
        {"element_count": 10, "unexpected_count": 2, "partial_unexpected_list": [42, 43]}
    ) == "2 of 10 rows unexpected, e.g. [42, 43]"


def test_opportunity_groups_cover_every_persona_and_level() -> None:
    standard = {"Champions", "Loyal", "Promising", "At risk", "Needs attention", "Inactive"}
    assert standard <= set(persona_names())
    groups = opportunity_groups(["Champions"], ["Lightly engaged", "Moderately engaged", "Most engaged"])
    assert groups == ["Lightly engaged champions", "Lightly engaged non-customers", "Moderately engaged champions",
                      "Moderately engaged non-customers", "Most engaged champions", "Most engaged non-customers"]


def test_enumerations_are_read_from_the_seeds() -> None:
    from orchestration.lib import seeds

    assert seeds.engagement_levels() == ["Non-engaged", "Lightly engaged", "Moderately engaged", "Most engaged"]
    assert seeds.opportunity_intents() == ["Emerging", "Strong", "Very high"]
    assert seeds.subscription_statuses() == ["subscribed", "unsubscribed", "never_subscribed", "bounced", "complained"]
    assert seeds.interaction_event_types() == ["email_open", "email_click", "page_view", "product_view", "add_to_cart"]
    assert len(seeds.event_types()) == 8


def test_schedule_is_built_from_the_partitioned_job_and_refreshes_the_scheduled_day() -> None:
    from orchestration.code_location.definitions import defs

    schedule = defs.get_schedule_def("daily_refresh_schedule")
    assert schedule.cron_schedule == "0 6 * * *" and schedule.execution_timezone == "UTC"
    assert schedule.job.partitions_def is not None, "the schedule carries the job's partitions"
    context = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 6, 30, 6, 0, tzinfo=UTC))
    requests = schedule.evaluate_tick(context).run_requests or []
    assert [request.partition_key for request in requests] == ["2026-06-30"]
    assert requests[0].tags["customer_segments/trigger"] == "schedule"


def test_schedule_time_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CUSTOMER_SEGMENTS_SCHEDULE_TIME", "5:30")
    assert schedule_time() == (5, 30)
    monkeypatch.setenv("CUSTOMER_SEGMENTS_SCHEDULE_TIME", "24:00")
    with pytest.raises(ValueError, match="CUSTOMER_SEGMENTS_SCHEDULE_TIME='24:00' is not a time HH:MM"):
        schedule_time()
    monkeypatch.setenv("CUSTOMER_SEGMENTS_SCHEDULE_CRON", "30 5 * * 1-5")
    with pytest.raises(ValueError, match="CUSTOMER_SEGMENTS_SCHEDULE_CRON is no longer read"):
        schedule_time()


def test_fingerprint_notices_new_and_changed_files(tmp_path: Path) -> None:
    (tmp_path / "contacts.csv").write_text("contact_id\n1\n")
    (tmp_path / "notes.txt").write_text("not raw data")
    before = raw_files_fingerprint(tmp_path)
    assert list(before) == ["contacts.csv"]
    (tmp_path / "orders.parquet").write_bytes(b"PAR1")
    (tmp_path / "contacts.csv").write_text("contact_id\n1\n2\n")
    assert changed_files(before, raw_files_fingerprint(tmp_path)) == ["contacts.csv", "orders.parquet"]
    assert raw_files_fingerprint(tmp_path / "missing") == {}


def _evaluate(instance: dg.DagsterInstance, cursor: str | None) -> dg.SensorResult | dg.SkipReason:
    return raw_files_sensor(dg.build_sensor_context(instance=instance, cursor=cursor))


def test_sensor_starts_a_refresh_on_a_new_file_and_skips_while_a_run_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAW_DATA_DIR", str(tmp_path))
    (tmp_path / "contacts.csv").write_text("contact_id\n1\n")
    with dg.instance_for_test() as instance:
        first = _evaluate(instance, None)
        assert isinstance(first, dg.SensorResult) and len(first.run_requests) == 1
        assert first.run_requests[0].partition_key == datetime.now(UTC).date().isoformat()
        cursor = first.cursor

        unchanged = _evaluate(instance, cursor)
        assert isinstance(unchanged, dg.SkipReason) and "no new or changed raw files" in unchanged.skip_message

        (tmp_path / "events.csv").write_text("event_id\ne1\n")
        # A run is writing the warehouse: the sensor must wait and keep its cursor.
        instance.add_run(DagsterRun(job_name="refresh_segments", run_id="busy-run-1", status=DagsterRunStatus.STARTED))
        busy = _evaluate(instance, cursor)
        assert isinstance(busy, dg.SkipReason)
        assert "busy-run-1" in busy.skip_message and "events.csv" in busy.skip_message

        # The run finishes: the change is acted on.
        instance.report_run_failed(instance.get_run_by_id("busy-run-1"))
        after = _evaluate(instance, cursor)
        assert isinstance(after, dg.SensorResult) and len(after.run_requests) == 1
        request = after.run_requests[0]
        assert request.tags["customer_segments/changed_files"] == "events.csv"
        assert request.run_key != first.run_requests[0].run_key
        assert json.loads(after.cursor) == raw_files_fingerprint(tmp_path)


def test_a_failure_caused_by_the_lock_is_retried_and_any_other_is_not() -> None:
    warehouse = WarehouseResource(lock_retries=2, lock_retry_seconds=5)
    # What the step needs of its context: the attempt number and a log.
    context = SimpleNamespace(retry_number=0, log=logging.getLogger("test"))
    dbt_error = (
        "Errors parsed from dbt logs: IO Error: Could not set lock on file \"/w.duckdb\": "
        "Conflicting lock is held in /usr/bin/python3 (PID 77)"
    )
    with pytest.raises(dg.RetryRequested) as retry:
        warehouse.raise_if_locked(context, dbt_error)  # type: ignore[arg-type]
    assert retry.value.max_retries == 2 and retry.value.seconds_to_wait == 5
    # A failing test or a bad model is the caller's failure, never retried into a pass.
    assert warehouse.raise_if_locked(context, "Failure in test unique_rfm_scores_contact_id") is None  # type: ignore[arg-type,func-returns-value]


def test_dbt_threads_drop_to_one_when_the_raw_files_outgrow_the_memory_limit(tmp_path: Path) -> None:
    assert memory_bytes("2GB") == 2 * 1000**3
    assert memory_bytes(" 512 MiB ") == 512 * 1024**2
    assert memory_bytes("1.5gb") == 1_500_000_000
    assert memory_bytes("lots") is None

    raw = tmp_path / "raw"
    raw.mkdir()
    env = {"RAW_DATA_DIR": str(raw), "DUCKDB_MEMORY_LIMIT": "1GB"}
    # sparse files: their size without their bytes
    with open(raw / "events.parquet", "wb") as file:
        file.truncate(900 * 1000**2)
    assert choose(env) == ("2", None)
    with open(raw / "orders.csv", "wb") as file:
        file.truncate(800 * 1000**2)  # counts a quarter: 200 MB as Parquet
    threads, note = choose(env)
    assert threads == "1"
    assert note is not None and "(1.1 GB as Parquet)" in note and "DUCKDB_MEMORY_LIMIT (1GB)" in note
    assert choose({**env, "DUCKDB_MEMORY_LIMIT": "4GB"}) == ("2", None)
    assert choose({**env, "DBT_THREADS": "4"}) == ("4", None)
    assert choose({**env, "DBT_TARGET": "postgres"}) == ("2", None)
    # relative to the project directory, as make runs it
    assert choose({"RAW_DATA_DIR": "raw", "DUCKDB_MEMORY_LIMIT": "1GB"}, tmp_path)[0] == "1"
