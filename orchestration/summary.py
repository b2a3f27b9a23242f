"""Print what a build produced: rows per mart, rows rejected per reason, the
RFM persona dashboard, the engagement overview, the predictions and their
backtest, segment sizes and the segment insights (members, buyers and revenue
of each segment)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import duckdb

from orchestration.lib import postgres, spark
from orchestration.lib.publish import published_path
from orchestration.lib.warehouse import dbt_target
from orchestration.lib.warehouse_lock import WarehouseLockedError, wait_until_free


def summarise(database: Path, label: str | None = None) -> str:
    with duckdb.connect(str(database), read_only=True) as connection:
        marts = connection.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'marts' and table_type = 'BASE TABLE' order by table_name"
        ).fetchall()
        lines = [f"Warehouse {label or database}"]
        as_of = connection.execute("select max(as_of_date) from marts.dim_contacts").fetchone()[0]
        lines.append(f"As of {as_of}")
        lines.append("")
        lines.append("Rows per mart")
        for (table,) in marts:
            count = connection.execute(f'select count(*) from marts."{table}"').fetchone()[0]
            lines.append(f"  {table:<28} {count:>14,}")
        lines.append("")
        lines.append("Raw rows: read = staged + rejected")
        for entity, raw, staged, rejected, ok in connection.execute(
            "select entity, raw_rows, staged_rows, rejected_rows, is_reconciled from marts.raw_row_counts order by entity"
        ).fetchall():
            lines.append(f"  {entity:<14} {raw:>14,} = {staged:>14,} + {rejected:>10,}  {'ok' if ok else 'MISMATCH'}")
        lines.append("")
        rejected = connection.execute(
            "select entity, rejection_reason, count(*) from marts.rejected_rows group by all order by entity, rejection_reason"
        ).fetchall()
        lines.append("Rows rejected per reason (see marts.rejected_rows)")
        if not rejected:
            lines.append("  none")
        for entity, reason, count in rejected:
            lines.append(f"  {entity:<14} {reason:<26} {count:>10,}")
        if ("rfm_persona_summary",) in marts:
            lines.append("")
            lines.extend(persona_dashboard(connection))
        if ("opportunity_summary",) in marts and ("engagement_status_summary",) in marts:
            lines.append("")
            lines.extend(engagement_overview(connection))
        if {("customer_predictions",), ("clv_model_parameters",), ("persona_backtest",)} <= set(marts):
            lines.append("")
            lines.extend(predictions_overview(connection))
        if ("segments",) in marts and ("segment_sizes_history",) in marts:
            lines.append("")
            lines.extend(segment_overview(connection))
        if ("segment_summary",) in marts:
            lines.append("")
            lines.extend(segment_insights(connection))
    return "\n".join(lines)


def segment_insights(connection: duckdb.DuckDBPyConnection) -> list[str]:
    rows = connection.execute(
        "select segment_key, members, reachable_members, active_customers, net_revenue, revenue_per_customer, "
        "average_order_value, window_days from marts.segment_summary order by is_baseline desc, segment_key"
    ).fetchall()
    days = rows[0][-1] if rows else "?"
    lines = [f"Segment insights, last {days} days (see marts.segment_summary, segment_breakdown, segment_comparison)"]
    lines.append(
        f"  {'segment':<38} {'members':>9} {'reachable':>9} {'buyers':>7} {'revenue':>14} {'per buyer':>10} {'AOV':>8}"
    )
    for key, members, reachable, buyers, revenue, per_buyer, aov, _ in rows:
        lines.append(
            f"  {key:<38} {members:>9,} {reachable:>9,} {buyers:>7,} {revenue:>14,.2f} "
            f"{'-' if per_buyer is None else f'{per_buyer:,.2f}':>10} {'-' if aov is None else f'{aov:,.2f}':>8}"
        )
    return lines


def predictions_overview(connection: duckdb.DuckDBPyConnection) -> list[str]:
    lines = ["Predictions (see marts.customer_predictions, clv_model_parameters, persona_backtest)"]
    fits = connection.execute(
        "select fit_purpose, model, any_value(fit_status), any_value(customers_fitted), any_value(data_through_date) "
        "from marts.clv_model_parameters group by all order by fit_purpose desc, model"
    ).fetchall()
    names = {"bg_nbd": "BG/NBD", "gamma_gamma": "Gamma-Gamma"}
    for purpose, model, status, customers, through in fits:
        fitted = f"fitted on {customers:,} customers" if status == "fitted" else status
        lines.append(f"  {purpose:<11} {names.get(model, model):<12} {fitted} (orders through {through})")
    bands = connection.execute(
        "select churn_risk, count(*), avg(probability_alive), sum(predicted_revenue_next_365_days) "
        "from marts.customer_predictions where churn_risk is not null group by churn_risk "
        "order by case churn_risk when 'Low' then 1 when 'Medium' then 2 else 3 end"
    ).fetchall()
    if bands:
        lines.append(f"  {'churn risk':<12} {'customers':>10} {'P(alive)':>9} {'revenue, next 365 days':>23}")
        for band, customers, alive, revenue in bands:
            predicted = "-" if revenue is None else f"{revenue:,.2f}"
            lines.append(f"  {band:<12} {customers:>10,} {alive:>9.3f} {predicted:>23}")
    backtest = connection.execute(
        "select group_name, customers, holdout_purchase_rate_pct, holdout_purchase_days_per_customer, "
        "predicted_purchase_days_per_customer, cutoff_date, holdout_days from marts.persona_backtest "
        "where group_type in ('all', 'persona') order by group_type, group_order"
    ).fetchall()
    if backtest:
        _, _, _, _, _, cutoff, days = backtest[0]
        lines.append(f"  backtest: customers at {cutoff}, their purchases in the {days} days after it")
        lines.append(f"  {'group':<20} {'customers':>10} {'bought %':>9} {'purchase days':>14} {'predicted':>10}")
        for group, customers, rate, actual, predicted, _, _ in backtest:
            forecast = "-" if predicted is None else f"{predicted:.2f}"
            lines.append(f"  {group:<20} {customers:>10,} {rate or 0:>9.1f} {actual or 0:>14.2f} {forecast:>10}")
    return lines


def segment_overview(connection: duckdb.DuckDBPyConnection) -> list[str]:
    rows = connection.execute(
        "select s.segment_key, s.segment_type, s.status, s.is_recommended, s.members, h.entered, h.exited "
        "from marts.segments as s left join marts.segment_sizes_history as h "
        "on s.segment_key = h.segment_key and h.as_of_date = s.as_of_date order by s.segment_key"
    ).fetchall()
    lines = ["Segments (see marts.segments, marts.segment_members; * recommended)"]
    lines.append(f"  {'segment':<40} {'type':<8} {'status':<7} {'members':>9} {'entered':>9} {'exited':>9}")
    for key, kind, status, recommended, members, entered, exited in rows:
        name = f"{key}{' *' if recommended else ''}"
        lines.append(f"  {name:<40} {kind:<8} {status:<7} {members:>9,} {entered or 0:>9,} {exited or 0:>9,}")
    return lines


def engagement_overview(connection: duckdb.DuckDBPyConnection) -> list[str]:
    contacts, opportunities, non_engaged = connection.execute(
        "select contacts, opportunities, non_engaged from marts.opportunity_summary"
    ).fetchone()
    engaged, status_non_engaged, pct_engaged = connection.execute(
        "select engaged, non_engaged, pct_engaged from marts.engagement_status_summary where contact_group = 'All contacts'"
    ).fetchone()
    return [
        "Engagement (see marts.opportunity_tiles, marts.engagement_status_summary)",
        f"  opportunities (engagement score > 0) {opportunities:>10,} of {contacts:,} contacts; non-engaged {non_engaged:,}",
        f"  engaged (an interaction in the window) {engaged:>8,} ({pct_engaged or 0:.1f}%); non-engaged {status_non_engaged:,}",
    ]


def persona_dashboard(connection: duckdb.DuckDBPyConnection) -> list[str]:
    rows = connection.execute(
        "select persona, lifecycle_stage, customers, pct_of_customers, revenue, pct_of_revenue, average_clv, persona_scheme "
        "from marts.rfm_persona_summary order by persona_rank"
    ).fetchall()
    scheme = rows[0][-1] if rows else "?"
    lines = [f"RFM personas ({scheme} scheme; see marts.rfm_persona_summary)"]
    lines.append(f"  {'persona':<20} {'stage':<9} {'customers':>10} {'%':>6} {'revenue':>16} {'%':>6} {'avg CLV':>10}")
    for persona, stage, customers, pct_customers, revenue, pct_revenue, clv, _ in rows:
        average = f"{clv:,.2f}" if clv is not None else "-"
        lines.append(
            f"  {persona:<20} {stage:<9} {customers:>10,} {pct_customers or 0:>6.1f} {revenue:>16,.2f} "
            f"{pct_revenue or 0:>6.1f} {average:>10}"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.summary", description=__doc__)
    parser.add_argument(
        "--duckdb-path",
        type=Path,
        default=Path(os.environ.get("DUCKDB_PATH", "warehouse/customer_segments.duckdb")),
        help="DuckDB file to read (default: $DUCKDB_PATH or warehouse/customer_segments.duckdb)",
    )
    args = parser.parse_args(argv)
    if dbt_target() in ("postgres", "spark"):
        # what `make publish` copied from the engine: one snapshot of its marts
        published = published_path(args.duckdb_path.resolve())
        if not published.is_file():
            print(f"summary: nothing published at {published}; run `DBT_TARGET={dbt_target()} make run` first", file=sys.stderr)
            return 2
        engine = (
            f"PostgreSQL {postgres.builder_login().describe()}"
            if dbt_target() == "postgres"
            else f"Spark ({spark.describe()})"
        )
        print(summarise(published, f"{engine} (marts as published to {published})"))
        return 0
    if not args.duckdb_path.is_file():
        print(f"summary: no warehouse at {args.duckdb_path}; run `make run` first", file=sys.stderr)
        return 2
    try:
        wait_until_free(args.duckdb_path, read_only=True)
    except WarehouseLockedError as error:
        print(f"summary: {error}", file=sys.stderr)
        return 3
    print(summarise(args.duckdb_path))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
