"""A daily refresh does not change answers: build day D, append day D+1 (new
events and orders, a refund of an old order written as a new version, a
cancellation and a line price rewritten in place, an old day whose events
all became invalid, an event of day D that arrived a day late, an order of
day D that arrived after its lines),
refresh, and every table of the marts, segments and
validated raw rows equals a `--full-refresh` build of the same raw data as
of D+1, table by table."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable

import duckdb
import pandas as pd
import pytest

from conftest import Workspace

pytestmark = pytest.mark.build

DAY, NEXT_DAY = "2026-06-30", "2026-07-01"
# Written by the run itself, not derived from the data: which dbt run
# validated a row or applied an ad hoc rule, and when.
RUN_COLUMNS = {"validation_run_id", "validated_at", "applied_at", "invocation_id"}
VALIDATED = [
    "staging.base_tracking__events_validated",
    "staging.base_shop__orders_validated",
    "staging.base_shop__order_lines_validated",
    "intermediate.int_contact_event_days",
]


def tables(workspace: Workspace) -> list[str]:
    listed = workspace.query(
        "select table_schema || '.' || table_name as name from information_schema.tables"
        " where table_schema in ('marts', 'segments') and table_type = 'BASE TABLE' order by name"
    )
    return [*listed.name, *VALIDATED]


def table(workspace: Workspace, name: str) -> pd.DataFrame:
    frame = workspace.query(f"select * from {name}")
    frame = frame.drop(columns=[column for column in frame.columns if column in RUN_COLUMNS])
    frame = frame.astype(object).where(frame.notna(), None)
    return frame.sort_values(list(frame.columns), key=lambda column: column.astype(str)).reset_index(drop=True)


def raw_day(stamps: pd.Series) -> pd.Series:
    return stamps.fillna("").str.strip().str.slice(0, 10)


def validated_rows(output: str, model: str) -> tuple[int, int]:
    match = re.search(rf"{model}: validated (\d+) of (\d+) stored row", output)
    assert match, output[-3000:]
    return int(match.group(1)), int(match.group(2))


def test_a_daily_refresh_equals_a_full_rebuild(make_workspace: Callable[[str], Workspace]) -> None:
    source = make_workspace("source")
    source.generate("--contacts", "600", "--orders", "3000", "--events", "15000", "--end-date", NEXT_DAY)
    raw = {path.stem: pd.read_parquet(path) for path in source.raw.glob("*.parquet")}
    events, orders, lines = raw["events"], raw["orders"], raw["order_lines"]
    event_day, order_day = raw_day(events.occurred_at), raw_day(orders.ordered_at)
    assert (event_day == NEXT_DAY).sum() > 5 and (order_day == NEXT_DAY).sum() > 0

    # Day D's raw data: nothing of D+1; one event of D and one order of D
    # had not arrived (the order's lines had: they wait as unknown_order).
    late = events[(event_day == DAY) & events.event_id.str.fullmatch(r"\S+")].sample(1, random_state=3)
    late_order = orders[(order_day == DAY) & (orders.status == "completed") & orders.order_id.isin(lines.order_id)].head(1)
    assert len(late_order) == 1
    new_orders = orders.order_id[order_day == NEXT_DAY]
    yesterday = {
        **raw,
        "events": events[(event_day != NEXT_DAY) & ~events.index.isin(late.index)],
        "orders": orders[(order_day != NEXT_DAY) & ~orders.index.isin(late_order.index)],
        "order_lines": lines[~lines.order_id.isin(new_orders)],
    }

    daily, rebuilt = make_workspace("daily"), make_workspace("rebuilt")
    for entity, frame in yesterday.items():
        frame.to_parquet(daily.raw / f"{entity}.parquet", index=False)
    daily.build(vars={"as_of_date": DAY})
    # the rebuild starts from the same warehouse (history tables hold day D)
    shutil.copy(daily.database, rebuilt.database)

    # Day D+1's: everything, plus corrections of three old kept orders. A
    # refund arrives as a new version dated D+1; a cancellation and a line's
    # price are rewritten in the old rows themselves.
    old = daily.query(
        "select order_id from marts.fct_orders where status = 'completed' and ordered_date < '2026-05-01'"
        " and order_id in (select order_id from staging.stg_shop__order_lines) order by order_id limit 3"
    ).order_id
    assert len(old) == 3
    refunded, cancelled, repriced = old
    refund = orders[orders.order_id == refunded].head(1).assign(
        ordered_at=f"{NEXT_DAY}T09:15:00Z", status="refunded", refunded_amount=lambda frame: frame.total_amount
    )
    today_orders = pd.concat([orders, refund], ignore_index=True)
    today_orders.loc[today_orders.order_id == cancelled, "status"] = "cancelled"
    today_lines = lines.copy()
    today_lines.loc[today_lines.order_id == repriced, "unit_price"] = "1.00"
    # and every event of an old day rewritten with an unknown type, with one
    # more such event (a changed row count: an edit that keeps the ids goes
    # unnoticed, docs/raw-data.md): the day is validated again and keeps no
    # clean event
    emptied = sorted(set(event_day[event_day.str.fullmatch(r"2026-03-\d\d")]))[0]
    extra = events[event_day == emptied].head(1).assign(event_id=lambda frame: "extra-" + frame.event_id)
    today_events = pd.concat([events, extra], ignore_index=True)
    today_events.loc[raw_day(today_events.occurred_at) == emptied, "event_type"] = "teleport"
    today = {**raw, "events": today_events, "orders": today_orders, "order_lines": today_lines}

    for workspace in (daily, rebuilt):
        for entity, frame in today.items():
            frame.to_parquet(workspace.raw / f"{entity}.parquet", index=False)
    refreshed = daily.build(vars={"as_of_date": NEXT_DAY})
    rebuilt.build("--full-refresh", vars={"as_of_date": NEXT_DAY})

    names = tables(daily)
    assert names == tables(rebuilt)
    assert len(names) > 40
    for name in names:
        pd.testing.assert_frame_equal(table(daily, name), table(rebuilt, name), check_dtype=False, obj=name)

    # the refresh validated a small part of the orders and lines
    for model in ("base_shop__orders_validated", "base_shop__order_lines_validated"):
        validated, stored = validated_rows(refreshed.output, model)
        assert 0 < validated < stored / 5, (model, validated, stored)

    # the corrections and the late event are in the marts
    with duckdb.connect(str(daily.database), read_only=True) as connection:
        statuses = dict(
            connection.execute(
                "select order_id, status from marts.fct_orders where order_id in (?, ?)", [refunded, cancelled]
            ).fetchall()
        )
        prices = connection.execute(
            "select distinct original_unit_price from staging.stg_shop__order_lines where order_id = ?", [repriced]
        ).fetchall()
        waited = connection.execute(
            "select count(*) from staging.stg_shop__order_lines where order_id = ?", [late_order.order_id.item()]
        ).fetchone()
        arrived = connection.execute(
            "select count(*) from staging.base_tracking__events_validated where event_id = ?",
            [late.event_id.item()],
        ).fetchone()
    assert statuses == {refunded: "refunded", cancelled: "cancelled"}
    assert [float(price) for (price,) in prices] == [1.0]
    assert arrived is not None and arrived[0] >= 1
    assert daily.query(
        f"select count(*) as n from intermediate.int_contact_event_days where raw_event_day = '{emptied}'"
    ).n.item() == 0
    assert waited is not None and waited[0] >= 1

    # another reporting currency validates every order and line again, as a
    # full refresh with it does
    in_dollars = {"as_of_date": NEXT_DAY, "reporting_currency": "USD"}
    orders_and_lines = "base_shop__orders_validated base_shop__order_lines_validated"
    changed = daily.dbt("run", "--select", orders_and_lines, vars=in_dollars)
    assert changed.ok, changed.output[-3000:]
    validated, stored = validated_rows(changed.output, "base_shop__orders_validated")
    assert validated == stored
    # every line of an order id the orders hold followed (the others are
    # unknown_order rejections, which no currency changes)
    left_alone = daily.query(
        "select count(*) as n from staging.base_shop__order_lines_validated"
        " where validated_at < (select max(validated_at) from staging.base_shop__order_lines_validated)"
        " and validation_key in (select validation_key from staging.base_shop__orders_validated)"
    ).n.item()
    assert left_alone == 0
    reference = rebuilt.dbt("run", "--select", orders_and_lines, "--full-refresh", vars=in_dollars)
    assert reference.ok, reference.output[-3000:]
    for name in ("staging.base_shop__orders_validated", "staging.base_shop__order_lines_validated"):
        pd.testing.assert_frame_equal(table(daily, name), table(rebuilt, name), check_dtype=False, obj=f"USD {name}")

    # an order id gone from the raw data stops the refresh with the command
    # to run, and so does a table stored by an earlier version
    gone = today_orders.order_id.dropna().iloc[5]
    today_orders[today_orders.order_id != gone].to_parquet(daily.raw / "orders.parquet", index=False)
    vanished = daily.dbt("run", "--select", "base_shop__orders_validated", vars={"as_of_date": NEXT_DAY})
    assert not vanished.ok
    assert f"1 stored order id(s) are no longer in the raw data (first: '{gone.strip()}')" in vanished.output
    assert "`dbt build --full-refresh --select base_shop__orders_validated+`" in vanished.output
    with duckdb.connect(str(daily.database)) as connection:
        connection.execute("alter table staging.base_shop__order_lines_validated drop column validation_bucket")
    earlier = daily.dbt("run", "--select", "base_shop__order_lines_validated", vars={"as_of_date": NEXT_DAY})
    assert not earlier.ok
    assert "has no column validation_bucket" in earlier.output
    assert "--full-refresh --select base_shop__order_lines_validated+" in earlier.output
