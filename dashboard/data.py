"""What the dashboard shows, read from the published file (never the working
warehouse): one function per panel, each a query on the marts that returns a
DataFrame. Kept free of Streamlit so that tests and notebooks can call them.

A reader opens the served file read-only; when a publish swaps a new file in,
the next page view opens the new one (the file's inode changes), so a page
never mixes two versions.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import yaml

from orchestration.lib.publish import attach_read_only, published_path
from orchestration.lib.warehouse import duckdb_path

GRID_COLUMNS = ("Lightly engaged", "Moderately engaged", "Most engaged")


def served_file() -> Path:
    """The published file: $PUBLISHED_DUCKDB_PATH, or published/ beside $DUCKDB_PATH."""
    return published_path(duckdb_path())


def file_version(path: Path) -> tuple[int, int]:
    """Changes when a publish renames a new file into place."""
    status = os.stat(path)
    return status.st_ino, status.st_mtime_ns


@dataclass
class Served:
    """One read-only connection to one published version."""

    path: Path
    connection: duckdb.DuckDBPyConnection

    @classmethod
    def open(cls, path: Path) -> Served:
        """Attached to a database of its own (attach_read_only): a new publish is seen at once."""
        return cls(path, attach_read_only(path, "served"))

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor per query: Streamlit runs sessions in threads, and a DuckDB connection is not shared
        between threads."""
        cursor = self.connection.cursor()
        cursor.execute("use served")
        return cursor

    def frame(self, sql: str, parameters: list[object] | None = None) -> pd.DataFrame:
        return self._cursor().execute(sql, parameters or []).df()

    def value(self, sql: str, parameters: list[object] | None = None) -> object:
        return self._cursor().execute(sql, parameters or []).fetchone()[0]

    # --- dates -----------------------------------------------------------------------------------------

    def published_as_of(self) -> dt.date:
        return self.value("select max(as_of_date) from marts.dim_contacts")

    def history_dates(self) -> list[dt.date]:
        """Every as-of date the history tables hold (the date picker's choices), newest first."""
        frame = self.frame(
            "select as_of_date from marts.rfm_scores_history union "
            "select as_of_date from marts.erfm_scores_history union "
            "select as_of_date from marts.segment_sizes_history order by 1 desc"
        )
        return [value.date() for value in pd.to_datetime(frame.as_of_date)]

    def publication(self) -> pd.DataFrame:
        return self.frame("select * from publication.published_relations order by relation_name")

    # --- Opportunities ---------------------------------------------------------------------------------

    def opportunity_grid(self, as_of: dt.date) -> pd.DataFrame:
        """One row per tile (persona × engagement level) of the date, with its contacts and share of all
        contacts; every tile of the grid, empty or not."""
        return self.frame(
            """
            with tiles as (
                select persona, engagement_level, opportunity_group, count(*) as contacts
                from marts.erfm_scores_history
                where as_of_date = ? and is_opportunity
                group by all
            ),
            everyone as (select count(*) as n from marts.erfm_scores_history where as_of_date = ?),
            grid as (select distinct persona, engagement_level, opportunity_group, x_position, y_position
                     from marts.opportunity_tiles)
            select grid.persona, grid.engagement_level, grid.opportunity_group, grid.x_position, grid.y_position,
                   coalesce(tiles.contacts, 0) as contacts,
                   100.0 * coalesce(tiles.contacts, 0) / nullif(everyone.n, 0) as pct_of_contacts
            from grid
            cross join everyone
            left join tiles using (persona, engagement_level)
            order by grid.y_position desc, grid.x_position
            """,
            [as_of, as_of],
        )

    def opportunity_totals(self, as_of: dt.date) -> dict[str, int]:
        row = self.frame(
            "select count(*) as contacts, count(*) filter (where is_opportunity) as opportunities, "
            "count(*) filter (where not is_opportunity) as non_engaged "
            "from marts.erfm_scores_history where as_of_date = ?",
            [as_of],
        ).iloc[0]
        return {name: int(row[name]) for name in ("contacts", "opportunities", "non_engaged")}

    # --- Personas --------------------------------------------------------------------------------------

    def persona_dashboard(self, as_of: dt.date) -> pd.DataFrame:
        """Customers, revenue, % of revenue, average CLV, orders and AOV per persona on the date (from
        rfm_scores_history; on the published as-of date these equal rfm_persona_summary)."""
        return self.frame(
            """
            with scored as (
                select persona, min(persona_rank) as persona_rank, count(*) as customers,
                       sum(monetary) as revenue, sum(frequency) as orders
                from marts.rfm_scores_history where as_of_date = ? group by persona
            )
            select persona, customers, 100.0 * customers / sum(customers) over () as pct_of_customers,
                   revenue, 100.0 * revenue / nullif(sum(revenue) over (), 0) as pct_of_revenue,
                   round(revenue / nullif(customers, 0), 2) as average_clv, orders,
                   round(revenue / nullif(orders, 0), 2) as average_order_value
            from scored order by persona_rank
            """,
            [as_of],
        )

    def persona_movement(self, start: dt.date, end: dt.date) -> pd.DataFrame:
        """Customers per (persona at start, persona at end) between two dates of the history; a customer
        only on one side is '(not a customer yet)' or '(no longer scored)'."""
        return self.frame(
            """
            with starting as (select contact_id, persona from marts.rfm_scores_history where as_of_date = ?),
            ending as (select contact_id, persona from marts.rfm_scores_history where as_of_date = ?)
            select coalesce(starting.persona, '(not a customer yet)') as from_persona,
                   coalesce(ending.persona, '(no longer scored)') as to_persona, count(*) as customers
            from starting full outer join ending using (contact_id)
            group by all
            """,
            [start, end],
        )

    def built_persona_movement(self) -> pd.DataFrame:
        """The mart's own movement (its start and end dates come from the build's vars)."""
        return self.frame("select * from marts.persona_movement order by from_persona_rank, to_persona_rank")

    def persona_order(self) -> list[str]:
        return list(self.frame("select distinct persona, persona_rank from marts.rfm_scores_history order by 2").persona)

    def rfm_quantiles(self) -> pd.DataFrame:
        return self.frame("select * from marts.rfm_quantiles order by dimension, quantile")

    # --- Engagement ------------------------------------------------------------------------------------

    def engagement_summary(self) -> pd.DataFrame:
        return self.frame("select * from marts.engagement_status_summary order by group_order")

    def engagement_changes(self) -> pd.DataFrame:
        return self.frame("select * from marts.engagement_status_changes order by group_order, engagement_status")

    # --- Predictions -----------------------------------------------------------------------------------

    def churn_risk_bands(self) -> pd.DataFrame:
        """Customers, mean probability alive and predicted revenue per churn-risk band (Low to High, then
        the customers without a prediction)."""
        return self.frame(
            """
            select coalesce(churn_risk, 'Not predicted') as band, count(*) as customers,
                   avg(probability_alive) as probability_alive, sum(expected_orders_next_90_days) as expected_orders_next_90_days,
                   sum(predicted_revenue_next_365_days) as predicted_revenue_next_365_days
            from marts.customer_predictions group by churn_risk
            order by case churn_risk when 'Low' then 1 when 'Medium' then 2 when 'High' then 3 else 4 end
            """
        )

    def model_parameters(self) -> pd.DataFrame:
        return self.frame("select * from marts.clv_model_parameters order by fit_purpose desc, model, parameter")

    def backtest(self) -> pd.DataFrame:
        return self.frame(
            """
            select * from marts.persona_backtest
            order by case group_type when 'all' then 1 when 'persona' then 2 when 'churn_risk' then 3 else 4 end, group_order
            """
        )

    def campaign_responsiveness(self, limit: int = 10) -> pd.DataFrame:
        """The campaigns that reached the most contacts in the window."""
        return self.frame(
            "select * from marts.campaign_responsiveness order by contacts_sent desc, campaign_id limit ?", [limit]
        )

    def sunset_counts(self) -> dict[str, int]:
        row = self.frame(
            "select (select count(*) from marts.sunset_candidates) as candidates, "
            "(select count(*) from marts.sunset_suppressions) as suppressions"
        ).iloc[0]
        return {"candidates": int(row.candidates), "suppressions": int(row.suppressions)}

    # --- Segments --------------------------------------------------------------------------------------

    def segment_catalog(self, as_of: dt.date) -> pd.DataFrame:
        """Recommended segments first (by rank), then the others by key; size, entered and exited on the date."""
        return self.frame(
            """
            select segments.segment_key, segments.name, segments.status, segments.is_recommended,
                   segments.recommended_rank, sizes.members, sizes.entered, sizes.exited, segments.used_in,
                   segments.segment_type, segments.owner, segments.description, segments.definition_updated_date
            from marts.segments as segments
            left join marts.segment_sizes_history as sizes
                on segments.segment_key = sizes.segment_key and sizes.as_of_date = ?
            order by segments.is_recommended desc, segments.recommended_rank nulls last, segments.segment_key
            """,
            [as_of],
        )

    def segment_summary(self, segment_key: str) -> pd.Series:
        return self.frame("select * from marts.segment_summary where segment_key = ?", [segment_key]).iloc[0]

    def segment_definition(self, segment_key: str) -> pd.Series:
        return self.frame(
            "select definition, compiled_sql, model_name from marts.segments where segment_key = ?", [segment_key]
        ).iloc[0]

    def segment_revenue_monthly(self, segment_key: str) -> pd.DataFrame:
        return self.frame(
            "select month_start_date, revenue, orders, buyers, is_complete_month from marts.segment_revenue_monthly "
            "where segment_key = ? order by month_start_date",
            [segment_key],
        )

    def segment_breakdown(self, segment_key: str, attribute: str) -> pd.DataFrame:
        return self.frame(
            "select attribute_value, members, pct_of_members, revenue, pct_of_revenue from marts.segment_breakdown "
            "where segment_key = ? and attribute = ? order by members desc, attribute_value",
            [segment_key, attribute],
        )

    def breakdown_attributes(self) -> list[str]:
        return list(self.frame("select distinct attribute from marts.segment_breakdown order by 1").attribute)

    def segment_comparison(self, segment_keys: list[str]) -> pd.DataFrame:
        return self.frame(
            "select * from marts.segment_summary where list_contains(?, segment_key) order by list_position(?, segment_key)",
            [segment_keys, segment_keys],
        )

    def segment_overlap(self, segment_keys: list[str]) -> pd.DataFrame:
        return self.frame(
            "select segment_key, other_segment_key, members_in_both, pct_of_members_in_other, jaccard_index "
            "from marts.segment_overlap where list_contains(?, segment_key) and list_contains(?, other_segment_key)",
            [segment_keys, segment_keys],
        )

    def segment_size_history(self, segment_key: str) -> pd.DataFrame:
        return self.frame(
            "select as_of_date, members, entered, exited from marts.segment_sizes_history "
            "where segment_key = ? order by as_of_date",
            [segment_key],
        )


def tiles_condition(groups: list[str]) -> str:
    """The segment condition (YAML, docs/segments.md) that selects the contacts of these tiles."""
    if not groups:
        return ""
    return yaml.safe_dump(
        {"condition": {"score": "opportunity_group", "op": "in", "value": list(groups)}},
        sort_keys=False, default_flow_style=None, allow_unicode=True, width=1000,
    )  # fmt: skip
