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

    quantiles = served.rfm_quantiles()
    if len(quantiles):
        st.subheader("Threshold help")
        st.caption(f"Where the {int(quantiles.quantiles.iloc[0])}-quantiles of recency (days since the last order), "
                   "frequency (orders) and monetary (net revenue) fall as of the build's as-of date "
                   "(marts.rfm_quantiles): choose quantile bins or the rfm_score_thresholds buckets from them.")  # fmt: skip
        wide = quantiles.pivot_table(index=["quantile", "pct_of_customers"], columns="dimension", values="cut_value",
                                     aggfunc="first").reset_index()  # fmt: skip
        _table(pd.DataFrame({
            "Quantile": wide["quantile"].map(lambda v: f"{int(v)}"),
            "% of customers at or below": wide.pct_of_customers.map(_pct),
            "Recency (days)": wide.get("recency", pd.Series(dtype=float)).map(_number),
            "Frequency (orders)": wide.get("frequency", pd.Series(dtype=float)).map(_number),
            "Monetary": wide.get("monetary", pd.Series(dtype=float)).map(_money),
        }), "rfm_quantiles")  # fmt: skip


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
    campaigns = served.campaign_responsiveness()
    if len(campaigns):
        st.subheader("Campaign responsiveness")
        st.caption(f"The campaigns that reached the most contacts in the {int(campaigns.window_days.iloc[0])} days to the "
                   "as-of date (marts.campaign_responsiveness). Opened: a human open or a click; machine opens "
                   "(privacy proxies) are counted apart. Per contact: marts.contact_campaign_responsiveness.")  # fmt: skip
        _table(pd.DataFrame({
            "Campaign": campaigns.campaign_id,
            "Contacts": campaigns.contacts_sent.map(_number),
            "Open rate": campaigns.open_rate_pct.map(_pct),
            "Click rate": campaigns.click_rate_pct.map(_pct),
            "Click-to-open": campaigns.click_to_open_rate_pct.map(_pct),
            "Machine opens": campaigns.machine_opens.map(_number),
        }), "campaign_responsiveness")  # fmt: skip
    sunset = served.sunset_counts()
    st.subheader("Sunset")
    columns = st.container(key="sunset").columns(2)
    columns[0].metric("Sunset candidates", _number(sunset["candidates"]))
    columns[1].metric("To suppress", _number(sunset["suppressions"]))
    st.caption("Candidates: subscribed, non-engaged and silent for sunset_after_days (marts.sunset_candidates), the "
               "audience of a re-engagement campaign. To suppress: candidates who stayed silent through the campaign "
               "(marts.sunset_suppressions); `make export` writes them with their email and the reason.")  # fmt: skip


# --- Predictions -----------------------------------------------------------------------------------------


def _ratio(value: object, digits: int = 2) -> str:
    return "–" if value is None or pd.isna(value) else f"{value:,.{digits}f}"


def predictions(served: Served) -> None:
    bands = served.churn_risk_bands()
    parameters = served.model_parameters()
    backtest = served.backtest()
    st.title("Predictions")
    fitted = parameters[parameters.fit_purpose == "predictions"]
    as_of = pd.Timestamp(fitted.as_of_date.iloc[0]).date() if len(fitted) else None
    st.caption(f"As of {as_of}. BG/NBD (purchases and dropout) and Gamma-Gamma (spend per purchase), fitted by maximum "
               "likelihood on the valid orders up to the as-of date; a purchase is a day with a valid order. "
               "docs/predictions.md explains the models and how to read the backtest.")  # fmt: skip
    not_fitted = sorted(set(fitted.fit_status) - {"fitted"})
    if not_fitted:
        st.warning("Not every model was fitted: " + "; ".join(not_fitted))
    totals = st.container(key="prediction_totals")
    columns = totals.columns(3)
    columns[0].metric("Customers", _number(int(bands.customers.sum())))
    columns[1].metric("Predicted revenue, next 365 days", _money(bands.predicted_revenue_next_365_days.sum(min_count=1)))
    columns[2].metric("Expected orders, next 90 days", _ratio(bands.expected_orders_next_90_days.sum(min_count=1), 0))
    st.subheader("Churn risk")
    _table(pd.DataFrame({
        "Churn risk": bands.band,
        "Customers": bands.customers.map(_number),
        "Mean probability alive": bands.probability_alive.map(_ratio),
        "Expected orders, next 90 days": bands.expected_orders_next_90_days.map(lambda v: _ratio(v, 0)),
        "Predicted revenue, next 365 days": bands.predicted_revenue_next_365_days.map(_money),
    }), "churn_risk")  # fmt: skip

    everyone = backtest[backtest.group_type == "all"]
    if len(everyone):
        first = everyone.iloc[0]
        cutoff, end = (pd.Timestamp(first[name]).date().isoformat() for name in ("cutoff_date", "holdout_end_date"))
        st.subheader(f"Backtest: as of {cutoff}, what happened through {end}")
        st.caption("Customers grouped as they stood at the cutoff, then what they bought in the holdout. A persona or "
                   "band that means something separates the groups; calibrated predictions match the purchases.")  # fmt: skip

        def shown(rows: pd.DataFrame, label: str) -> pd.DataFrame:
            return pd.DataFrame({
                label: rows.group_name,
                "Customers": rows.customers.map(_number),
                "Bought again": rows.holdout_purchase_rate_pct.map(_pct),
                "Purchases per customer": rows.holdout_purchase_days_per_customer.map(_ratio),
                "Predicted purchases": rows.predicted_purchase_days_per_customer.map(_ratio),
                "Revenue per customer": rows.holdout_revenue_per_customer.map(_money),
            })  # fmt: skip

        _table(shown(backtest[backtest.group_type.isin(["all", "persona"])], "Persona"), "backtest_personas")
        _table(shown(backtest[backtest.group_type == "churn_risk"], "Churn risk"), "backtest_churn_risk")
        deciles = backtest[backtest.group_type == "predicted_orders_decile"]
        st.markdown("**Calibration**: predicted against actual purchases per customer, by decile of the prediction")
        st.bar_chart(pd.DataFrame({
            "predicted": deciles.predicted_purchase_days_per_customer.astype(float).to_numpy(),
            "actual": deciles.holdout_purchase_days_per_customer.astype(float).to_numpy(),
        }, index=deciles.group_order.astype(int)), stack=False, x_label="decile of predicted purchases (10: most)",
            y_label="purchases per customer")  # fmt: skip
        _table(shown(deciles, "Decile"), "backtest_deciles")

    st.subheader("Model parameters")
    _table(pd.DataFrame({
        "Fit": parameters.fit_purpose,
        "Data through": pd.to_datetime(parameters.data_through_date).dt.strftime("%Y-%m-%d"),
        "Model": parameters.model,
        "Parameter": parameters.parameter,
        "Value": parameters.value.map(lambda v: _ratio(v, 4)),
        "Unit": parameters.parameter_unit.fillna(""),
        "Customers": parameters.customers_fitted.map(_number),
        "Log-likelihood": parameters.log_likelihood.map(lambda v: _ratio(v, 1)),
        "Status": parameters.fit_status,
    }), "model_parameters")  # fmt: skip


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
        "Definition updated": pd.to_datetime(catalog.definition_updated_date).dt.strftime("%Y-%m-%d"),
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
    predicted = st.container(key="segment_predictions").columns(2)
    predicted[0].metric("Predicted revenue, next 365 days", _money(summary.predicted_revenue_next_365_days))
    predicted[1].metric("Mean probability alive", _ratio(summary.average_probability_alive))

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
