"""The incremental event models: a build after the raw data changed gives
exactly what a full build of the changed data gives, while validating only
the days that changed; settings changes redo every day; a day that vanished
from the raw data, or a table stored by an earlier version, stops the build
with the command to run."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import duckdb
import pandas as pd
import pytest

from conftest import Workspace

pytestmark = pytest.mark.build

BUILD_VARS = {"as_of_date": "2026-06-30"}
EVENT_MODELS = "base_tracking__events_validated int_contact_event_days"
# Bookkeeping of the refresh itself: which dbt run validated a day.
RUN_COLUMNS = ["validation_run_id", "validated_at"]
COMPARED = {
    "staging.base_tracking__events_validated": None,
    "intermediate.int_contact_event_days": None,
    "marts.fct_engagement_events": None,
    "marts.erfm_scores": None,
    "marts.engagement_status": None,
    "marts.opportunity_tiles": None,
    "marts.engagement_status_summary": None,
    "marts.raw_row_counts": None,
}

# What the builds make: the compared tables and what they read.
SELECTED = " ".join(f"+{name.split('.')[-1]}" for name in COMPARED)


def raw_day(frame: pd.DataFrame) -> pd.Series:
    return frame.occurred_at.fillna("").str.strip().str.slice(0, 10)


def table(workspace: Workspace, name: str) -> pd.DataFrame:
    frame = workspace.query(f"select * from {name}")
    frame = frame.drop(columns=[column for column in RUN_COLUMNS if column in frame.columns])
    frame = frame.astype(object).where(frame.notna(), None)
    return frame.sort_values(list(frame.columns), key=lambda column: column.astype(str)).reset_index(drop=True)


def assert_same_tables(incremental: Workspace, full: Workspace, names: list[str]) -> None:
    for name in names:
        pd.testing.assert_frame_equal(table(incremental, name), table(full, name), check_dtype=False, obj=name)


def validated_days(output: str) -> int:
    match = re.search(r"base_tracking__events_validated: validating (\d+) raw event day", output)
    assert match, output[-3000:]
    return int(match.group(1))


def test_incremental_build_equals_a_full_build_of_the_changed_data(make_workspace: Callable[[str], Workspace]) -> None:
    source = make_workspace("source")
    source.generate("--contacts", "1200", "--orders", "6000", "--events", "30000", "--end-date", "2026-06-30")
    events = pd.read_parquet(source.raw / "events.parquet")
    contacts = pd.read_parquet(source.raw / "contacts.parquet")
    days = raw_day(events)
    dated = sorted(day for day in days.unique() if re.fullmatch(r"\d{4}-\d\d-\d\d", day))
    last_days, old_days = dated[-3:], dated[:-30]
    assert len(old_days) > 100

    # Yesterday's raw data: the last three days had not arrived, one late event
    # of an old day was missing, one event was since removed, and two
    # contacts were not yet known (their events were rejected as unknown).
    late = events[days.isin(old_days)].sample(1, random_state=1)
    removed = events[days.isin(old_days) & ~events.index.isin(late.index)].sample(1, random_state=2)
    per_contact = events.contact_id.value_counts()
    new_contacts = contacts[contacts.contact_id.isin(per_contact[per_contact.between(5, 30)].index)].head(2)
    # Today's raw data also holds a newer version of an old event, on a day
    # already loaded: the stored copy becomes an older version.
    newer = events[days == old_days[10]].head(1).copy()
    newer["occurred_at"] = old_days[40] + "T12:00:00Z"
    today = pd.concat([events.drop(removed.index), newer], ignore_index=True)
    yesterday = events[~days.isin(last_days) & ~events.index.isin(late.index)]

    incremental = make_workspace("incremental")
    full = make_workspace("full")
    for workspace in (incremental, full):
        for path in source.raw.glob("*.parquet"):
            if path.stem not in ("events", "contacts"):
                (workspace.raw / path.name).write_bytes(path.read_bytes())
    yesterday.to_parquet(incremental.raw / "events.parquet", index=False)
    contacts.drop(new_contacts.index).to_parquet(incremental.raw / "contacts.parquet", index=False)
    incremental.build(vars=BUILD_VARS, select=SELECTED)
    unknown_before = incremental.query(
        "select count(*) as n from staging.base_tracking__events_validated where rejection_reason = 'unknown_contact'"
    ).n.item()

    today.to_parquet(incremental.raw / "events.parquet", index=False)
    contacts.to_parquet(incremental.raw / "contacts.parquet", index=False)
    refreshed = incremental.build(vars=BUILD_VARS, select=SELECTED)
    stored_days = incremental.query(
        "select count(distinct raw_event_day) as n from staging.base_tracking__events_validated"
    ).n.item()
    assert 4 <= validated_days(refreshed.output) < stored_days / 4, "only new, changed and affected days are validated"

    today.to_parquet(full.raw / "events.parquet", index=False)
    contacts.to_parquet(full.raw / "contacts.parquet", index=False)
    full.build(vars=BUILD_VARS, select=SELECTED)
    assert_same_tables(incremental, full, list(COMPARED))

    # the cases above really happened
    versions = full.query(
        f"select coalesce(rejection_reason, 'kept') as decision from staging.base_tracking__events_validated"
        f" where event_id = '{newer.event_id.item()}' order by decision"
    )
    assert versions.decision.tolist() == ["duplicate_key", "kept"]
    unknown_after = full.query(
        "select count(*) as n from staging.base_tracking__events_validated where rejection_reason = 'unknown_contact'"
    ).n.item()
    assert unknown_after < unknown_before

    # a rerun with nothing changed validates only the days holding future
    # timestamps (the clock moves on) and changes nothing
    future_days = incremental.query(
        "select count(distinct raw_event_day) as n from staging.base_tracking__events_validated"
        " where rejection_reason = 'future_timestamp'"
    ).n.item()
    rerun = incremental.dbt("run", "--select", EVENT_MODELS, vars=BUILD_VARS)
    assert rerun.ok, rerun.output[-3000:]
    assert validated_days(rerun.output) == future_days
    assert_same_tables(incremental, full, ["staging.base_tracking__events_validated", "intermediate.int_contact_event_days"])

    # changed settings: every day again, equal to a full refresh with them
    settings = {**BUILD_VARS, "reporting_timezone": "Asia/Tokyo", "include_machine_opens": True}
    changed = incremental.dbt("run", "--select", EVENT_MODELS, vars=settings)
    assert changed.ok, changed.output[-3000:]
    assert validated_days(changed.output) == stored_days
    reference = full.dbt("run", "--select", EVENT_MODELS, "--full-refresh", vars=settings)
    assert reference.ok, reference.output[-3000:]
    assert_same_tables(incremental, full, ["staging.base_tracking__events_validated", "intermediate.int_contact_event_days"])

    # a stored day that vanished from the raw data stops the build
    today[raw_day(today) != old_days[5]].to_parquet(incremental.raw / "events.parquet", index=False)
    vanished = incremental.dbt("run", "--select", "base_tracking__events_validated", vars=settings)
    assert not vanished.ok
    assert "no longer in the raw data (first: '" + old_days[5] + "')" in vanished.output
    assert "--full-refresh" in vanished.output

    # a table stored by an earlier version (without the refresh columns) stops
    # the build with the same command
    with duckdb.connect(str(incremental.database)) as connection:
        connection.execute("alter table intermediate.int_contact_event_days drop column scoring_settings")
    earlier = incremental.dbt("run", "--select", "int_contact_event_days", vars=settings)
    assert not earlier.ok
    assert "has no column scoring_settings" in earlier.output
    assert "--full-refresh --select base_tracking__events_validated+" in earlier.output


# The tests with meta.refresh_scope: the column tests of stg_tracking__events
# and the key test of int_contact_event_days.
SCOPED_TEST = re.compile(
    r"test\.customer_segments\.([a-z_]+_stg_tracking__events_"
    r"(event_id|contact_id|event_type|occurred_at|occurred_date|duration_seconds|traffic_source|is_machine_open)"
    r"|unique_combination_of_columns_int_contact_event_days_)"
)
SCOPED_MODELS = "stg_tracking__events int_contact_event_days"


def test_a_refresh_tests_the_event_rows_it_wrote_and_dbt_test_every_row(workspace: Workspace) -> None:
    """Tests with meta.refresh_scope (SCOPED_TEST) read the rows the
    invocation validated when it runs base_tracking__events_validated, and
    every row when it does not."""
    workspace.generate("--contacts", "300", "--orders", "1500", "--events", "6000", "--end-date", "2026-06-30")
    workspace.build(
        vars=BUILD_VARS, select="+stg_tracking__events +stg_tracking__events_quarantine +int_contact_event_days rejection_reasons"
    )
    events = pd.read_parquet(workspace.raw / "events.parquet")
    last_day = raw_day(events).max()
    arrived = events[raw_day(events) == last_day].assign(event_id=lambda frame: "next-" + frame.event_id)
    arrived["occurred_at"] = "2026-07-01" + arrived.occurred_at.str.strip().str.slice(10)
    pd.concat([events, arrived]).to_parquet(workspace.raw / "events.parquet", index=False)

    def scoped_tests(*args: str) -> tuple[str, dict[str, str]]:
        result = workspace.dbt(*args, vars={"as_of_date": "2026-07-01"})
        assert result.ok, result.output[-3000:]
        run = json.loads((workspace.root / "target" / "run_results.json").read_text())
        codes = {
            node["unique_id"]: node.get("compiled_code") or ""
            for node in run["results"]
            if SCOPED_TEST.match(node["unique_id"])
        }
        assert len(codes) == 11, sorted(codes)
        return run["metadata"]["invocation_id"], codes

    invocation, codes = scoped_tests("build", "--select", f"base_tracking__events_validated {SCOPED_MODELS}")
    scope = f"validation_run_id = '{invocation}'"
    assert all(scope in code for code in codes.values()), "every scoped test reads this run's rows"
    written = workspace.query(
        f"select count(*) as n, count(distinct raw_event_day) as days from staging.stg_tracking__events where {scope}"
    )
    stored = workspace.query("select count(*) as n from staging.stg_tracking__events").n.item()
    assert 0 < written.n.item() < stored / 10, "the refresh validated (and tests) the new day, not all history"
    assert written.days.item() >= 1
    counted = workspace.query(f"select count(*) as n from intermediate.int_contact_event_days where {scope}").n.item()
    assert counted > 0, "the new day's counts carry the run, so their key test reads them"

    invocation, codes = scoped_tests("test", "--select", SCOPED_MODELS)
    assert not any("validation_run_id = '" in code for code in codes.values()), "dbt test alone reads every row"
