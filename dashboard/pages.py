"""The dashboard's pages, one function each; every figure comes from a mart
through dashboard/data.py. Elements carry stable keys so that tests (and a
user's bookmarks) find them."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard.data import GRID_COLUMNS, Served, tiles_condition


def _table(frame: pd.DataFrame, key: str) -> None:
    """A static table (its text is in the page, for screen readers and tests), the first column as rows."""
    with st.container(key=key):
        st.table(frame.set_index(frame.columns[0]))


def _number(value: object) -> str:
    return "–" if value is None or pd.isna(value) else f"{value:,.0f}"


def _money(value: object) -> str:
    return "–" if value is None or pd.isna(value) else f"{float(value):,.2f}"


def _pct(value: object, signed: bool = False) -> str:
    if value is None or pd.isna(value):
        return "–"
    return f"{float(value):+.1f}%" if signed else f"{float(value):.1f}%"


# --- Opportunities ---------------------------------------------------------------------------------------


def tile_key(persona: str, level: str) -> str:
    """The tile's element key (the page's HTML carries it as the class st-key-<key>)."""
    return "tile_" + "".join(character if character.isalnum() else "_" for character in f"{persona}_{level}")


def opportunities(served: Served, as_of: dt.date) -> None:
    st.title("Opportunities")
    st.caption(
        f"As of {as_of.isoformat()}. Rows: RFM personas, Champions down to Non-customers; columns: engagement "
        "levels. Each tile counts the contacts in that opportunity group and their share of all contacts. "
        "Select tiles to see the segment condition that selects them."
    )
    totals = served.opportunity_totals(as_of)
    left, middle, right = st.columns(3)
    left.metric("Contacts", _number(totals["contacts"]))
    middle.metric("Opportunities", _number(totals["opportunities"]))
    right.metric("Non-engaged", _number(totals["non_engaged"]))

    grid = served.opportunity_grid(as_of)
    header = st.columns([1.3, 1, 1, 1])
    header[0].markdown("**Persona**")
    for column, level in zip(header[1:], GRID_COLUMNS, strict=True):
        column.markdown(f"**{level}**")
    selected: list[str] = []
    for persona, tiles in grid.groupby("persona", sort=False):
        row = st.columns([1.3, 1, 1, 1])
        row[0].markdown(f"**{persona}**")
        by_level = tiles.set_index("engagement_level")
        for column, level in zip(row[1:], GRID_COLUMNS, strict=True):
            tile = by_level.loc[level]
            with column.container(border=True, key=tile_key(persona, level)):
                st.metric(level, _number(tile.contacts), help=f"Opportunity group: {tile.opportunity_group}")
                st.caption(f"{_pct(tile.pct_of_contacts)} of contacts")
                if st.checkbox("Select", key=f"tile|{tile.opportunity_group}"):
                    selected.append(tile.opportunity_group)
    st.subheader("Segment condition of the selected tiles")
    if selected:
        count = int(grid.set_index("opportunity_group").loc[selected].contacts.sum())
        st.caption(f"{len(selected)} tile(s), {count:,} contacts. Paste it under `meta.segment` of a segment "
                   "model (docs/segments.md, \"Add a segment\").")  # fmt: skip
        st.code(tiles_condition(selected), language="yaml")
    else:
        st.caption("Select one or more tiles.")


# --- Personas --------------------------------------------------------------------------------------------


def personas(served: Served, as_of: dt.date, dates: list[dt.date]) -> None:
    st.title("Personas")
    st.caption(f"As of {as_of.isoformat()}: customers by RFM persona (marts.rfm_scores_history).")
    table = served.persona_dashboard(as_of)
    shown = pd.DataFrame({
        "Persona": table.persona,
        "Customers": table.customers.map(_number),
        "% customers": table.pct_of_customers.map(_pct),
        "Revenue": table.revenue.map(_money),
        "% revenue": table.pct_of_revenue.map(_pct),
        "Average CLV": table.average_clv.map(_money),
        "Orders": table.orders.map(_number),
        "AOV": table.average_order_value.map(_money),
    })  # fmt: skip
    _table(shown, "persona_table")
    st.bar_chart(table.set_index("persona").revenue.astype(float), x_label="persona", y_label="revenue", sort=False)

    st.subheader("Persona movement")
    order = served.persona_order()
    if len(dates) >= 2:
        left, right = st.columns(2)
        start = left.selectbox("From", dates[1:], index=0, format_func=dt.date.isoformat, key="movement_from")
        end = right.selectbox("To", dates, index=0, format_func=dt.date.isoformat, key="movement_to")
        movement = served.persona_movement(start, end)
        caption = f"Customers by persona on {start.isoformat()} (rows) and on {end.isoformat()} (columns)."
    else:
        built = served.built_persona_movement()
        movement = built[["from_persona", "to_persona", "customers"]]
        start, end = built.start_date.min(), built.end_date.max()
        caption = (f"Customers by persona on {pd.Timestamp(start).date().isoformat()} (rows) and on "
                   f"{pd.Timestamp(end).date().isoformat()} (columns), from marts.persona_movement; the history "
                   "holds one date, so other pairs need a backfill.")  # fmt: skip
    st.caption(caption)
    matrix = movement.pivot_table(index="from_persona", columns="to_persona", values="customers", aggfunc="sum",
                                  fill_value=0)  # fmt: skip
    rows = [name for name in order if name in matrix.index] + sorted(set(matrix.index) - set(order))
    columns = [name for name in order if name in matrix.columns] + sorted(set(matrix.columns) - set(order))
    _table(matrix.loc[rows, columns].reset_index(), "movement_matrix")


# --- Engagement ------------------------------------------------------------------------------------------


def engagement(served: Served) -> None:
    summary = served.engagement_summary()
    changes = served.engagement_changes()
    as_of = pd.Timestamp(summary.as_of_date.iloc[0]).date()
    start = pd.Timestamp(changes.start_date.iloc[0]).date()
    st.title("Engagement")
    st.caption(f"As of {as_of.isoformat()}. Engaged: an interaction within the engaged window. Changes since "
               f"{start.isoformat()}, as counts and as percentages of the start.")  # fmt: skip
    everyone = changes[changes.contact_group == "All contacts"].set_index("engagement_status")
    columns = st.columns(2)
    for column, status in zip(columns, ("Engaged", "Non-engaged"), strict=True):
        row = everyone.loc[status]
        column.metric(f"{status} contacts", _number(row.end_contacts),
                      delta=f"{row.net_change:+,} ({_pct(row.net_change_pct, signed=True)})", delta_color="off")  # fmt: skip
        column.caption(
            f"new {row.new_contacts:,} ({_pct(row.new_contacts_pct, True)}) · moved in {row.moved_in:,} "
            f"({_pct(row.moved_in_pct, True)}) · moved out {row.moved_out:,} ({_pct(row.moved_out_pct, True)}) · "
            f"unsubscribed {row.unsubscribed_in_period:,} ({_pct(row.unsubscribed_pct, True)})"
        )
    st.subheader("By subscription status")
    shown = pd.DataFrame({
        "Group": summary.contact_group,
        "Contacts": summary.contacts.map(_number),
        "Engaged": summary.engaged.map(_number),
        "% engaged": summary.pct_engaged.map(_pct),
        "Non-engaged": summary.non_engaged.map(_number),
        "% non-engaged": summary.pct_non_engaged.map(_pct),
    })  # fmt: skip
    _table(shown, "engagement_summary")
    st.bar_chart(summary.set_index("contact_group")[["engaged", "non_engaged"]], stack=True, horizontal=True)
    st.subheader(f"Changes since {start.isoformat()}")
    table = pd.DataFrame({
        "Group": changes.contact_group,
        "Status": changes.engagement_status,
        "Start": changes.start_contacts.map(_number),
        "End": changes.end_contacts.map(_number),
        "Net": changes.net_change.map(lambda v: f"{v:+,}"),
        "Net %": changes.net_change_pct.map(lambda v: _pct(v, True)),
        "New": changes.new_contacts.map(_number),
        "New %": changes.new_contacts_pct.map(lambda v: _pct(v, True)),
        "Moved in": changes.moved_in.map(_number),
        "Moved in %": changes.moved_in_pct.map(lambda v: _pct(v, True)),
        "Moved out": changes.moved_out.map(_number),
        "Moved out %": changes.moved_out_pct.map(lambda v: _pct(v, True)),
        "Unsubscribed": changes.unsubscribed_in_period.map(_number),
        "Unsubscribed %": changes.unsubscribed_pct.map(lambda v: _pct(v, True)),
    })  # fmt: skip
    _table(table, "engagement_changes")


# --- Segments --------------------------------------------------------------------------------------------


def segments(served: Served, as_of: dt.date) -> None:
    st.title("Segments")
    catalog = served.segment_catalog(as_of)
    st.caption(f"As of {as_of.isoformat()}: recommended segments first. Entered / exited: changes on that date.")
    shown = pd.DataFrame({
        "Segment": catalog.name,
        "Key": catalog.segment_key,
        "Recommended": catalog.recommended_rank.map(lambda v: "" if pd.isna(v) else f"#{int(v)}"),
        "Status": catalog.status,
        "Members": catalog.members.map(_number),
        "Entered": catalog.entered.map(_number),
        "Exited": catalog.exited.map(_number),
        "Used in": catalog.used_in.fillna(""),
    })  # fmt: skip
    _table(shown, "segment_catalog")
    keys = list(catalog.segment_key)
    names = dict(zip(catalog.segment_key, catalog.name, strict=True))
    key = st.selectbox("Segment", keys, format_func=lambda k: names[k], key="segment")
    summary = served.segment_summary(key)
    st.subheader(names[key])
    window_start = pd.Timestamp(summary.window_start_date).date().isoformat()
    st.markdown(f"**Revenue tree** (valid orders of the last {summary.window_days} days, from {window_start}): "
                "revenue = customers × revenue per customer; revenue per customer = orders per customer × AOV; "
                "AOV = units per transaction × average unit revenue")  # fmt: skip
    tree = st.container(key="revenue_tree")
    top = tree.columns(1)[0]
    top.metric("Revenue", _money(summary.net_revenue))
    first = tree.columns(2)
    first[0].metric("Customers", _number(summary.customers))
    first[1].metric("Revenue per customer", _money(summary.revenue_per_customer))
    second = tree.columns(2)
    second[0].metric("Orders per customer", "–" if pd.isna(summary.orders_per_customer) else f"{summary.orders_per_customer:.2f}")
    second[1].metric("AOV", _money(summary.average_order_value))
    third = tree.columns(2)
    third[0].metric("Units per transaction",
                    "–" if pd.isna(summary.units_per_transaction) else f"{summary.units_per_transaction:.2f}")  # fmt: skip
    third[1].metric("Average unit revenue", _money(summary.average_unit_revenue))
    st.caption(f"Members {summary.members:,} ({_pct(summary.pct_of_all_contacts)} of contacts), reachable "
               f"{summary.reachable_members:,}, purchasers {summary.purchasers:,}.")  # fmt: skip

    st.markdown("**Historical revenue** (per month, last months; the current month is partial)")
    monthly = served.segment_revenue_monthly(key)
    months = pd.to_datetime(monthly.month_start_date).dt.strftime("%Y-%m")
    st.bar_chart(pd.Series(monthly.revenue.astype(float).to_numpy(), index=months, name="revenue"),
                 x_label="month", y_label="revenue")  # fmt: skip

    st.markdown("**Breakdown**")
    attributes = served.breakdown_attributes()
    attribute = st.selectbox("Attribute", attributes, key="breakdown_attribute")
    breakdown = served.segment_breakdown(key, attribute)
    st.bar_chart(breakdown.set_index("attribute_value").members, horizontal=True, x_label="members")

    st.markdown("**Size history**")
    sizes = served.segment_size_history(key)
    days = pd.to_datetime(sizes.as_of_date).dt.strftime("%Y-%m-%d")
    st.bar_chart(pd.DataFrame({"members": sizes.members.to_numpy()}, index=days), x_label="as-of date", y_label="members")
    st.caption(f"{len(sizes)} as-of date(s) in segment_sizes_history; a backfill (`make backfill`) adds past days.")

    st.markdown("**Compare** (up to five segments) **and overlap**")
    chosen = st.multiselect("Segments to compare", keys, default=keys[: min(3, len(keys))], max_selections=5,
                            format_func=lambda k: names[k], key="compare")  # fmt: skip
    if chosen:
        compared = served.segment_comparison(chosen)
        comparison = pd.DataFrame({
            "Segment": compared.segment_key.map(names),
            "Members": compared.members.map(_number),
            "Customers": compared.customers.map(_number),
            "Revenue": compared.net_revenue.map(_money),
            "Revenue per customer": compared.revenue_per_customer.map(_money),
            "AOV": compared.average_order_value.map(_money),
        })  # fmt: skip
        _table(comparison, "comparison")
        overlap = served.segment_overlap(chosen)
        matrix = overlap.pivot_table(index="segment_key", columns="other_segment_key", values="members_in_both",
                                     aggfunc="sum", fill_value=0).reindex(index=chosen, columns=chosen, fill_value=0)  # fmt: skip
        st.caption("Members in both (row segment ∩ column segment).")
        _table(matrix.rename(index=names, columns=names).rename_axis("Segment").reset_index(), "overlap")

    definition = served.segment_definition(key)
    st.markdown("**Definition and compiled SQL**")
    st.code(definition.definition or "", language="json")
    st.code(definition.compiled_sql or "", language="sql")
