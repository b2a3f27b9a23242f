"""Time: a build as of a past date uses nothing after it, reruns are identical,
and tables loaded by the loader give the same marts as reading files."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd
import pytest

from conftest import Workspace
from orchestration.loader import load_duckdb
from reference import read

pytestmark = pytest.mark.build

AS_OF = dt.date(2026, 3, 31)
ZONE = "America/New_York"
MARTS = {
    "dim_contacts": "contact_id",
    "fct_orders": "order_id",
    "fct_order_lines": "order_line_id",
    "fct_engagement_events": "event_id",
    "dim_products": "product_id",
    "rfm_scores": "contact_id",
    "rfm_thresholds": "dimension, score",
    "rfm_persona_summary": "persona",
    "persona_movement": "from_persona, to_persona",
    "persona_population_change": "persona",
    "erfm_scores": "contact_id",
    "opportunity_tiles": "opportunity_group",
    "opportunity_ideas": "phase_order, intent_order",
    "engagement_status": "contact_id",
    "engagement_status_summary": "contact_group",
    "engagement_status_changes": "contact_group, engagement_status",
    "sunset_candidates": "contact_id",
    "opportunity_movement": "from_group, to_group",
    "rfm_quantiles": "dimension, quantile",
    "customer_predictions": "contact_id",
    "clv_model_parameters": "fit_purpose, model, parameter",
    "persona_backtest": "group_type, group_name",
    "contact_campaign_responsiveness": "contact_id",
    "campaign_responsiveness": "campaign_id",
    "sunset_suppressions": "contact_id",
}

# What these tests build: the marts they compare and everything before them
# (the segments and insights after them play no part).
SELECTED = " ".join(f"+{name}" for name in [*MARTS, "rejected_rows"])


def marts(workspace: Workspace) -> dict[str, pd.DataFrame]:
    return {name: workspace.query(f"select * from marts.{name} order by {key}") for name, key in MARTS.items()}


def local_day(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, utc=True, format="ISO8601", errors="coerce").dt.tz_convert(ZONE).dt.date


def versions_known_then(frame: pd.DataFrame, key: list[str], dated: pd.Series) -> pd.DataFrame:
    """The rows of `frame` that existed on AS_OF: those dated on or before it;
    a key with none keeps its earliest row (docs/scoring.md: the
    version in effect then, or the earliest known)."""
    day = local_day(dated)
    known = day.notna() & (day <= AS_OF)
    keys = frame[key].astype(str).agg("|".join, axis=1)
    without = ~keys.isin(set(keys[known]))
    earliest = dated.where(without).groupby(keys).transform(lambda values: values.min())
    return frame[known | (without & (dated == earliest))]


def test_past_as_of_date_equals_a_build_of_the_data_known_then(make_workspace: Callable[[str], Workspace]) -> None:
    """With versions on both sides of the as-of date (the generator writes an
    older version of some contacts, orders and events, dated 2000-01-01), a
    build as of a past date keeps the version in effect then: the same marts
    as a build of the raw data cut at that date."""
    full = make_workspace("full")
    full.generate(
        "--contacts", "1500", "--orders", "9000", "--events", "30000", "--end-date", "2026-06-30", "--bad-row-rate", "0.01"
    )
    build_vars = {"as_of_date": AS_OF.isoformat(), "reporting_timezone": ZONE}
    full.build(vars=build_vars, select=SELECTED)
    later = full.query(f"select count(*) as n from staging.stg_shop__orders where ordered_date > '{AS_OF}'").n.item()
    assert later > 500, "the raw data runs well past the as-of date"
    replayed = full.query(
        "select count(*) as n from marts.fct_orders where ordered_date < '2001-01-01'"
    ).n.item()
    assert replayed > 0, "orders whose newest version is later are replayed in their older version"

    # what was known on the as-of date: the same raw data cut at that day
    known = make_workspace("known")
    contacts = read(full.raw, "contacts")
    orders = read(full.raw, "orders")
    events = read(full.raw, "events")
    orders = orders[local_day(orders.ordered_at) <= AS_OF]
    events = events[local_day(events.occurred_at) <= AS_OF]
    # a contact is known when anything showed it by then (docs/scoring.md): its creation, an order, an event
    shown = set(contacts.contact_id[local_day(contacts.created_at) <= AS_OF]) | set(orders.contact_id) | set(
        events.contact_id.dropna()
    )
    contacts = contacts[contacts.contact_id.isin(shown)]
    contacts = versions_known_then(contacts, ["contact_id"], contacts.updated_at.fillna(contacts.created_at).pipe(
        lambda text: pd.to_datetime(text, utc=True, format="ISO8601", errors="coerce")
    ))
    known.write_csv("contacts", contacts)
    known.write_csv("orders", orders)
    known.write_csv("order_lines", read(full.raw, "order_lines").pipe(lambda lines: lines[lines.order_id.isin(orders.order_id)]))
    known.write_csv("events", events)
    known.write_csv("products", read(full.raw, "products"))
    known.build(vars=build_vars, select=SELECTED)

    built_full, built_known = marts(full), marts(known)
    for name in MARTS:
        pd.testing.assert_frame_equal(built_full[name], built_known[name], check_dtype=False, obj=name)
    assert len(built_full["fct_orders"]) > 1000
    assert built_full["fct_orders"].ordered_date.max() <= pd.Timestamp(AS_OF)
    assert built_full["fct_engagement_events"].occurred_date.max() <= pd.Timestamp(AS_OF)
    assert built_full["dim_contacts"].first_seen_date.max() <= pd.Timestamp(AS_OF)

    # a later date, then the past date again (incremental event validation
    # re-decides the versions straddling either date): identical results
    full.build(vars={**build_vars, "as_of_date": "2026-06-30"}, select=SELECTED)
    assert full.query("select count(*) as n from marts.fct_orders where ordered_date > '2026-04-01'").n.item() > 0
    full.build(vars=build_vars, select=SELECTED)
    for name, frame in marts(full).items():
        pd.testing.assert_frame_equal(frame, built_full[name], obj=f"rerun {name}")


def test_loaded_tables_give_the_same_marts_as_files(make_workspace: Callable[[str], Workspace]) -> None:
    files = make_workspace("files")
    files.generate("--contacts", "800", "--orders", "4000", "--events", "12000", "--end-date", "2026-06-30")
    files.build(vars={"as_of_date": "2026-06-30"}, select=SELECTED)
    tables = make_workspace("tables")
    load_duckdb(tables.database, files.raw)
    tables.raw.rmdir()  # nothing is read from files in tables mode
    tables.build(vars={"as_of_date": "2026-06-30", "raw_source_mode": "tables"}, select=SELECTED)
    built_from_tables = marts(tables)
    for name, frame in marts(files).items():
        pd.testing.assert_frame_equal(built_from_tables[name], frame, obj=name)
    rejected = "select * from marts.rejected_rows order by entity, record_key, rejection_reason, raw_record"
    pd.testing.assert_frame_equal(tables.query(rejected), files.query(rejected))
