"""Run metadata a person reads in the Dagster UI: rows per mart, rows rejected
per reason, persona and opportunity sizes, engaged share, as Markdown tables."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import dagster as dg
import duckdb

# Marts whose materialisation carries a readable table besides its row count.
_TABLES: dict[str, str] = {
    "raw_row_counts": "select entity, raw_rows, staged_rows, rejected_rows, is_reconciled "
    "from marts.raw_row_counts order by entity",
    "rejected_rows": "select entity, rejection_reason, count(*) as rows "
    "from marts.rejected_rows group by all order by entity, rows desc",
    "rfm_persona_summary": "select persona, lifecycle_stage, customers, round(pct_of_customers, 1) as pct_of_customers, revenue, "
    "round(pct_of_revenue, 1) as pct_of_revenue from marts.rfm_persona_summary order by persona_rank",
    "opportunity_summary": "select contacts, opportunities, non_engaged, round(pct_opportunities, 1) as pct_opportunities "
    "from marts.opportunity_summary",
    "opportunity_tiles": "select opportunity_group, contacts from marts.opportunity_tiles order by y_position, x_position",
    "engagement_status_summary": "select contact_group, contacts, engaged, round(pct_engaged, 1) as pct_engaged "
    "from marts.engagement_status_summary order by group_order",
    "erfm_scores": "select coalesce(opportunity_group, 'Non-engaged') as opportunity_group, count(*) as contacts "
    "from marts.erfm_scores group by all order by contacts desc",
    "rfm_scores": "select persona, count(*) as customers from marts.rfm_scores group by all order by customers desc",
    "segments": "select segment_key, segment_type, status, recommended_rank, members, used_in "
    "from marts.segments order by recommended_rank nulls last, segment_key",
    "segment_summary": "select segment_key, members, reachable_members, active_customers, net_revenue, revenue_per_customer, "
    "average_order_value from marts.segment_summary order by is_baseline desc, segment_key",
    "segment_comparison": "select compare_position, segment_key, members, active_customers, net_revenue, revenue_per_customer, "
    "average_order_value from marts.segment_comparison order by compare_position",
}
_HISTORY = {"rfm_scores_history", "erfm_scores_history"}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, (float, Decimal)):
        return f"{value:,.2f}"
    return str(value).replace("|", "/")


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines.extend("| " + " | ".join(_cell(value) for value in row) + " |" for row in rows)
    return "\n".join(lines)


def query_table(connection: duckdb.DuckDBPyConnection, sql: str) -> str:
    cursor = connection.execute(sql)
    columns = [description[0] for description in cursor.description]
    return markdown_table(columns, cursor.fetchall())


def mart_metadata(connection: duckdb.DuckDBPyConnection, mart: str, as_of_date: str | None) -> dict[str, Any]:
    """Row count and, for the marts in _TABLES, a Markdown table; empty when the
    relation is not a mart table (a view, or not built)."""
    exists = connection.execute(
        "select count(*) from information_schema.tables where table_schema = 'marts' and table_name = ?", [mart]
    ).fetchone()[0]
    if not exists:
        return {}
    metadata: dict[str, Any] = {"dagster/row_count": dg.MetadataValue.int(
        connection.execute(f'select count(*) from marts."{mart}"').fetchone()[0]
    )}
    if mart in _HISTORY and as_of_date:
        metadata["rows_for_as_of_date"] = dg.MetadataValue.int(
            connection.execute(f'select count(*) from marts."{mart}" where as_of_date = ?', [as_of_date]).fetchone()[0]
        )
        metadata["as_of_dates_held"] = dg.MetadataValue.int(
            connection.execute(f'select count(distinct as_of_date) from marts."{mart}"').fetchone()[0]
        )
    if mart in _TABLES:
        metadata["summary"] = dg.MetadataValue.md(query_table(connection, _TABLES[mart]))
    if as_of_date:
        metadata["as_of_date"] = dg.MetadataValue.text(as_of_date)
    return metadata
