"""The Great Expectations suites: what each mart must satisfy.

A suite belongs to one mart and holds frames. A frame is a query against the
warehouse, read into a pandas DataFrame, and the expectations GX evaluates on
it. Row-level frames read the mart itself (for history tables, the rows of the
as-of date). Aggregate frames compute measures in SQL (one row) where the rule
spans tables (tiles sum to opportunities, rows relative to the raw data) or the
table is a fact table too large to pull into memory; the expectation then
compares the measures, and a failure shows the measured values.

Value sets come from the project's seeds, not from the warehouse: personas,
subscription statuses, engagement levels and intents (orchestration/seeds.py).
A suite never reads the expectations' answers from the data it checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import great_expectations.expectations as gxe
from great_expectations.expectations.expectation import Expectation

from orchestration import seeds

PROJECT_DIR = Path(__file__).resolve().parents[2]

LIFECYCLE_STAGES = ["Active", "Lapsing", "Inactive"]
ENGAGEMENT_STATUSES = ["Engaged", "Non-engaged"]
CONTACT_TYPES = ["Customer", "Non-customer"]
NON_CUSTOMER_PERSONA = "Non-customers"
RAW_ENTITIES = ["contacts", "contact_tags", "orders", "order_lines", "products", "events"]
# The highest number of quantile bins dbt accepts (var rfm_*_bins: 1 to 9).
MAX_RFM_SCORE = 9


@dataclass(frozen=True)
class Frame:
    name: str
    sql: str
    expectations: list[Expectation] = field(default_factory=list)


@dataclass(frozen=True)
class Suite:
    mart: str
    frames: list[Frame]

    @property
    def name(self) -> str:
        return f"marts.{self.mart}"


@dataclass(frozen=True)
class SuiteSettings:
    """What the suites are checked against."""

    as_of_date: str
    # Most rows of one raw entity that may be rejected before the run is suspect.
    max_rejected_share: float = 0.05
    project_dir: Path = PROJECT_DIR

    @property
    def as_of_literal(self) -> str:
        return f"date '{self.as_of_date}'"


def persona_names(project_dir: Path = PROJECT_DIR) -> list[str]:
    """Every persona of every shipped or added scheme (seeds/rfm_personas_*.csv)."""
    names = sorted(seeds.persona_names(project_dir / "seeds"))
    if not names:
        raise FileNotFoundError(f"no seeds/rfm_personas_*.csv under {project_dir}")
    return names


def opportunity_groups(personas: list[str], engaged_levels: list[str]) -> list[str]:
    """'<level> <persona in lower case>', as int_contacts_opportunity_grouped names them."""
    return [f"{level} {persona.lower()}" for level in engaged_levels for persona in [*personas, NON_CUSTOMER_PERSONA]]


def key(column: str) -> list[Expectation]:
    return [gxe.ExpectColumnValuesToNotBeNull(column=column), gxe.ExpectColumnValuesToBeUnique(column=column)]


def not_null(*columns: str) -> list[Expectation]:
    return [gxe.ExpectColumnValuesToNotBeNull(column=column) for column in columns]


def in_set(column: str, values: list[object], mostly_null_allowed: bool = False) -> list[Expectation]:
    expectations: list[Expectation] = [gxe.ExpectColumnValuesToBeInSet(column=column, value_set=values)]
    if not mostly_null_allowed:
        expectations.append(gxe.ExpectColumnValuesToNotBeNull(column=column))
    return expectations


def between(column: str, low: float | None = None, high: float | None = None) -> Expectation:
    return gxe.ExpectColumnValuesToBeBetween(column=column, min_value=low, max_value=high)


def percentage(column: str) -> Expectation:
    """0 to 100, allowing for floating point (100 x n / n may be 100.00000000000001)."""
    return between(column, 0, 100 + 1e-9)


def equal(a: str, b: str) -> Expectation:
    return gxe.ExpectColumnPairValuesToBeEqual(column_A=a, column_B=b)


def zero(*columns: str) -> list[Expectation]:
    """Aggregate frames count violations; each count must be zero."""
    return [gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0, max_value=0) for column in columns]


def percentages_sum_to_100(table: str, column: str, group_by: str | None = None) -> Frame:
    grouping = f" group by {group_by}" if group_by else ""
    selected = f"{group_by}, " if group_by else ""
    return Frame(
        f"{column}_sums_to_100",
        f"select {selected}round(sum({column}), 6) as total_pct from marts.{table}{grouping} having sum({column}) is not null",
        [between("total_pct", 99.99, 100.01)],
    )


def rows_relative_to_raw(table: str, entity: str, settings: SuiteSettings, exact: bool = False) -> Frame:
    """The mart holds at most the rows staging kept (exactly those when `exact`),
    and staging rejected at most `max_rejected_share` of the raw rows."""
    expectations: list[Expectation] = [
        between("rejected_share", 0, settings.max_rejected_share),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="staged_rows", column_B="mart_rows", or_equal=True),
        equal("raw_rows", "staged_plus_rejected"),
    ]
    if exact:
        expectations.append(equal("mart_rows", "staged_rows"))
    return Frame(
        "rows_relative_to_raw",
        f"""
        select
            (select count(*) from marts.{table}) as mart_rows,
            staged_rows,
            raw_rows,
            staged_rows + rejected_rows as staged_plus_rejected,
            rejected_rows * 1.0 / nullif(raw_rows, 0) as rejected_share
        from marts.raw_row_counts
        where entity = '{entity}'
        """,
        expectations,
    )


def violations(table: str, key_column: str, rules: dict[str, str]) -> Frame:
    """An aggregate frame for a fact table: rows with a null or repeated key and
    rows breaking each rule (name: SQL condition) are counted in the warehouse;
    every count must be zero."""
    counts = [
        f"count(*) filter (where {key_column} is null) as null_{key_column}s",
        f"count(*) - count(distinct {key_column}) as duplicate_{key_column}s",
        *(f"count(*) filter (where {condition}) as {name}" for name, condition in rules.items()),
    ]
    names = [f"null_{key_column}s", f"duplicate_{key_column}s", *rules]
    return Frame("violations", f"select {', '.join(counts)} from marts.{table}", zero(*names))


def history_equals_current(history: str, current: str, columns: str, settings: SuiteSettings) -> Frame:
    """The history rows of the as-of date are the current mart's rows."""
    day = settings.as_of_literal
    return Frame(f"equals_{current}", f"""
        select
            (select count(*) from marts.{history} where as_of_date = {day}) as history_rows,
            (select count(*) from marts.{current}) as current_rows,
            (select count(*) from (
                select {columns} from marts.{history} where as_of_date = {day}
                except
                select {columns} from marts.{current}
            )) as rows_differing
        """, [equal("history_rows", "current_rows"), *zero("rows_differing")])


def as_of(settings: SuiteSettings, column: str = "as_of_date") -> Expectation:
    return gxe.ExpectColumnValuesToBeInSet(column=column, value_set=[settings.as_of_date])


def build_suites(settings: SuiteSettings) -> list[Suite]:
    personas = persona_names(settings.project_dir)
    seeds_dir = settings.project_dir / "seeds"
    levels = seeds.engagement_levels(seeds_dir)
    statuses = seeds.subscription_statuses(seeds_dir)
    intents = seeds.opportunity_intents(seeds_dir)
    groups = opportunity_groups(personas, levels[1:])
    day = settings.as_of_literal
    scores = [between(f"{d}_score", 1, MAX_RFM_SCORE) for d in ("recency", "frequency", "monetary")]
    return [
        Suite("dim_contacts", [
            Frame("rows", "select contact_id, subscription_status, is_subscribed, has_email, is_customer, valid_orders, "
                  "cast(as_of_date as varchar) as as_of_date from marts.dim_contacts", [
                *key("contact_id"),
                *in_set("subscription_status", statuses),
                *not_null("is_subscribed", "has_email", "is_customer"),
                between("valid_orders", 0),
                as_of(settings),
            ]),
            rows_relative_to_raw("dim_contacts", "contacts", settings),
        ]),
        Suite("dim_products", [
            Frame("rows", "select product_id, price from marts.dim_products", [*key("product_id"), between("price", 0)]),
            rows_relative_to_raw("dim_products", "products", settings, exact=True),
        ]),
        Suite("fct_orders", [
            violations("fct_orders", "order_id", {
                "null_contact_ids": "contact_id is null",
                "orders_after_as_of": f"ordered_date > {day}",
                "null_validity": "is_valid_order is null",
                "unknown_contacts": "contact_id not in (select contact_id from marts.dim_contacts)",
            }),
            rows_relative_to_raw("fct_orders", "orders", settings),
        ]),
        Suite("fct_order_lines", [
            violations("fct_order_lines", "order_line_id", {
                "lines_without_order": "order_id not in (select order_id from marts.fct_orders)",
                "non_positive_quantities": "quantity <= 0",
                "lines_after_as_of": f"ordered_date > {day}",
            }),
            rows_relative_to_raw("fct_order_lines", "order_lines", settings),
        ]),
        Suite("fct_engagement_events", [
            violations("fct_engagement_events", "event_id", {
                "events_after_as_of": f"occurred_date > {day}",
                "null_event_types": "event_type is null",
            }),
            rows_relative_to_raw("fct_engagement_events", "events", settings),
        ]),
        Suite("raw_row_counts", [
            Frame("rows", "select entity, raw_rows, staged_rows, rejected_rows, "
                  "staged_rows + rejected_rows as staged_plus_rejected, is_reconciled from marts.raw_row_counts", [
                *key("entity"),
                gxe.ExpectColumnDistinctValuesToEqualSet(column="entity", value_set=RAW_ENTITIES),
                equal("raw_rows", "staged_plus_rejected"),
                gxe.ExpectColumnValuesToBeInSet(column="is_reconciled", value_set=[True]),
            ]),
        ]),
        Suite("rejected_rows", [
            Frame("rows", "select entity, rejection_reason from marts.rejected_rows", [
                *in_set("entity", RAW_ENTITIES),
                *not_null("rejection_reason"),
            ]),
            Frame("count_matches_raw_row_counts", """
                select
                    (select count(*) from marts.rejected_rows) as rejected_rows,
                    (select sum(rejected_rows) from marts.raw_row_counts) as counted_rejected_rows
                """, [equal("rejected_rows", "counted_rejected_rows")]),
        ]),
        Suite("rfm_scores", [
            Frame("rows", "select contact_id, recency_days, frequency, monetary, recency_score, frequency_score, monetary_score, "
                  "persona, lifecycle_stage, cast(as_of_date as varchar) as as_of_date from marts.rfm_scores", [
                *key("contact_id"),
                *scores,
                between("recency_days", 0),
                between("frequency", 1),
                *in_set("persona", personas),
                *in_set("lifecycle_stage", LIFECYCLE_STAGES),
                as_of(settings),
            ]),
            # Within their bins: each value lies inside the range rfm_thresholds reports for its score.
            Frame("scores_within_bins", """
                with values_by_dimension as (
                    select
                        contact_id, 'recency' as dimension, recency_score as score,
                        cast(recency_days as decimal(18, 2)) as value
                    from marts.rfm_scores
                    union all
                    select contact_id, 'frequency', frequency_score, cast(frequency as decimal(18, 2)) from marts.rfm_scores
                    union all
                    select contact_id, 'monetary', monetary_score, monetary from marts.rfm_scores
                )
                select
                    count(*) filter (where t.score is null) as scores_without_bin,
                    count(*) filter (where v.value < t.min_value or v.value > t.max_value) as values_outside_their_bin
                from values_by_dimension as v
                left join marts.rfm_thresholds as t on v.dimension = t.dimension and v.score = t.score
                """, zero("scores_without_bin", "values_outside_their_bin")),
            Frame("one_row_per_customer", """
                select
                    (select count(*) from marts.rfm_scores) as scored_customers,
                    (select count(*) from marts.dim_contacts where is_customer) as customers
                """, [equal("scored_customers", "customers")]),
        ]),
        Suite("rfm_scores_history", [
            Frame("rows_of_the_as_of_date", "select contact_id, recency_score, frequency_score, monetary_score, persona "
                  f"from marts.rfm_scores_history where as_of_date = {day}", [
                *key("contact_id"), *scores, *in_set("persona", personas),
            ]),
            history_equals_current("rfm_scores_history", "rfm_scores", "contact_id, rfm_code, persona", settings),
        ]),
        Suite("rfm_thresholds", [
            Frame("rows", "select dimension, score, min_value, max_value, customers from marts.rfm_thresholds", [
                *in_set("dimension", ["recency", "frequency", "monetary"]),
                between("score", 1, MAX_RFM_SCORE),
                between("customers", 0),
                gxe.ExpectCompoundColumnsToBeUnique(column_list=["dimension", "score"]),
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="max_value", column_B="min_value", or_equal=True,
                                                            ignore_row_if="either_value_is_missing"),
            ]),
        ]),
        Suite("rfm_persona_summary", [
            Frame("rows", "select persona, customers, pct_of_customers, pct_of_revenue from marts.rfm_persona_summary", [
                *key("persona"), *in_set("persona", personas), between("customers", 0),
                between("pct_of_customers", 0, 100),
            ]),
            percentages_sum_to_100("rfm_persona_summary", "pct_of_customers"),
            Frame("customers_match_rfm_scores", """
                select (select sum(customers) from marts.rfm_persona_summary) as summary_customers,
                       (select count(*) from marts.rfm_scores) as scored_customers
                """, [equal("summary_customers", "scored_customers")]),
        ]),
        Suite("persona_movement", [
            Frame("rows", "select from_persona, to_persona, customers, pct_of_from_persona from marts.persona_movement", [
                *in_set("from_persona", personas), *in_set("to_persona", personas), between("customers", 0),
                between("pct_of_from_persona", 0, 100),
                gxe.ExpectCompoundColumnsToBeUnique(column_list=["from_persona", "to_persona"]),
            ]),
        ]),
        Suite("persona_movement_contacts", [
            Frame("rows", "select period_end, contact_id, persona, scores_source from marts.persona_movement_contacts", [
                *in_set("persona", personas),
                gxe.ExpectCompoundColumnsToBeUnique(column_list=["period_end", "contact_id"]),
            ]),
            Frame("counts_match_population_change", """
                select (select count(*) from marts.persona_movement_contacts where period_end = 'end') as end_rows,
                       (select sum(end_customers) from marts.persona_population_change) as end_customers
                """, [equal("end_rows", "end_customers")]),
        ]),
        Suite("persona_population_change", [
            Frame("rows", "select persona, start_customers, end_customers, change_in_customers, "
                  "end_customers - start_customers as computed_change from marts.persona_population_change", [
                *key("persona"), *in_set("persona", personas), equal("change_in_customers", "computed_change"),
            ]),
        ]),
        Suite("erfm_scores", [
            Frame("rows", "select contact_id, contact_type, engagement_points, engagement_score, engagement_level, "
                  "opportunity_group, is_opportunity, engagement_status, cast(as_of_date as varchar) as as_of_date "
                  "from marts.erfm_scores", [
                *key("contact_id"),
                *in_set("contact_type", CONTACT_TYPES),
                between("engagement_score", 0),
                between("engagement_points", 0),
                *in_set("engagement_level", levels),
                *in_set("opportunity_group", groups, mostly_null_allowed=True),
                *in_set("engagement_status", ENGAGEMENT_STATUSES),
                as_of(settings),
            ]),
            Frame("one_group_or_non_engaged", """
                select
                    count(*) filter (where is_opportunity and opportunity_group is null) as opportunities_without_group,
                    count(*) filter (where not is_opportunity and opportunity_group is not null) as non_engaged_with_group,
                    count(*) filter (where is_opportunity <> (engagement_score > 0)) as opportunity_flag_mismatches
                from marts.erfm_scores
                """, zero("opportunities_without_group", "non_engaged_with_group", "opportunity_flag_mismatches")),
            Frame("one_row_per_contact", """
                select (select count(*) from marts.erfm_scores) as scored_contacts,
                       (select count(*) from marts.dim_contacts) as contacts
                """, [equal("scored_contacts", "contacts")]),
        ]),
        Suite("erfm_scores_history", [
            Frame("rows_of_the_as_of_date", "select contact_id, engagement_score, opportunity_group "
                  f"from marts.erfm_scores_history where as_of_date = {day}", [
                *key("contact_id"), between("engagement_score", 0),
                *in_set("opportunity_group", groups, mostly_null_allowed=True),
            ]),
            history_equals_current(
                "erfm_scores_history", "erfm_scores", "contact_id, engagement_score, opportunity_group", settings
            ),
        ]),
        Suite("opportunity_tiles", [
            Frame("rows", "select opportunity_group, persona, engagement_level, contacts from marts.opportunity_tiles", [
                *key("opportunity_group"), *in_set("opportunity_group", groups), *in_set("engagement_level", levels[1:]),
                between("contacts", 0),
            ]),
            Frame("tiles_sum_to_opportunities", """
                select (select sum(contacts) from marts.opportunity_tiles) as contacts_in_tiles,
                       (select opportunities from marts.opportunity_summary) as opportunities
                """, [equal("contacts_in_tiles", "opportunities")]),
        ]),
        Suite("opportunity_summary", [
            Frame("rows", "select contacts, opportunities, non_engaged, "
                  "opportunities + non_engaged as opportunities_plus_non_engaged, "
                  "pct_opportunities + pct_non_engaged as total_pct from marts.opportunity_summary", [
                gxe.ExpectTableRowCountToEqual(value=1),
                equal("contacts", "opportunities_plus_non_engaged"),
                between("total_pct", 99.99, 100.01),
            ]),
        ]),
        Suite("opportunity_ideas", [
            Frame("rows", "select contact_type, purchase_phase, opportunity_intent, contacts from marts.opportunity_ideas", [
                *in_set("contact_type", CONTACT_TYPES), *in_set("opportunity_intent", intents),
                *in_set("purchase_phase", LIFECYCLE_STAGES, mostly_null_allowed=True), between("contacts", 0),
                gxe.ExpectCompoundColumnsToBeUnique(column_list=["contact_type", "purchase_phase", "opportunity_intent"]),
            ]),
            Frame("ideas_sum_to_opportunities", """
                select (select sum(contacts) from marts.opportunity_ideas) as contacts_in_ideas,
                       (select opportunities from marts.opportunity_summary) as opportunities
                """, [equal("contacts_in_ideas", "opportunities")]),
        ]),
        Suite("opportunity_movement", [
            Frame("rows", "select from_group, to_group, contacts, pct_of_from_group from marts.opportunity_movement", [
                *not_null("from_group", "to_group"), between("contacts", 0), between("pct_of_from_group", 0, 100),
                gxe.ExpectCompoundColumnsToBeUnique(column_list=["from_group", "to_group"]),
            ]),
        ]),
        Suite("opportunity_movement_contacts", [
            Frame("rows", "select period_end, contact_id, opportunity_group from marts.opportunity_movement_contacts", [
                *in_set("opportunity_group", groups, mostly_null_allowed=True),
                gxe.ExpectCompoundColumnsToBeUnique(column_list=["period_end", "contact_id"]),
            ]),
        ]),
        Suite("engagement_status", [
            Frame("rows", "select contact_id, engagement_status, days_since_last_interaction, subscription_status, "
                  "cast(as_of_date as varchar) as as_of_date from marts.engagement_status", [
                *key("contact_id"), *in_set("engagement_status", ENGAGEMENT_STATUSES),
                between("days_since_last_interaction", 0), *in_set("subscription_status", statuses),
                as_of(settings),
            ]),
            Frame("one_row_per_contact", """
                select (select count(*) from marts.engagement_status) as contacts_with_status,
                       (select count(*) from marts.dim_contacts) as contacts
                """, [equal("contacts_with_status", "contacts")]),
        ]),
        Suite("engagement_status_summary", [
            Frame("rows", "select contact_group, contacts, engaged + non_engaged as engaged_plus_non_engaged, "
                  "pct_engaged + pct_non_engaged as total_pct from marts.engagement_status_summary", [
                *key("contact_group"), *in_set("contact_group", [*statuses, "All contacts"]),
                equal("contacts", "engaged_plus_non_engaged"), between("total_pct", 99.99, 100.01),
            ]),
        ]),
        Suite("engagement_status_changes", [
            Frame("rows", "select engagement_status, start_contacts, end_contacts, net_change, "
                  "end_contacts - start_contacts as computed_change from marts.engagement_status_changes", [
                *key("engagement_status"), *in_set("engagement_status", ENGAGEMENT_STATUSES),
                equal("net_change", "computed_change"),
            ]),
        ]),
        Suite("sunset_candidates", [
            Frame("rows", "select contact_id, subscription_status, days_without_interaction, sunset_after_days "
                  "from marts.sunset_candidates", [
                *key("contact_id"), *in_set("subscription_status", ["subscribed"]),
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="days_without_interaction", column_B="sunset_after_days",
                                                            or_equal=True),
            ]),
            Frame("members_are_contacts", """
                select count(*) as candidates_not_in_dim_contacts from marts.sunset_candidates
                where contact_id not in (select contact_id from marts.dim_contacts)
                """, zero("candidates_not_in_dim_contacts")),
        ]),
        *segment_suites(settings),
        *segment_insight_suites(settings),
    ]


def segment_suites(settings: SuiteSettings) -> list[Suite]:
    """Segments, their members and history, and the derived tags."""
    day = settings.as_of_literal
    return [
        Suite("segments", [
            Frame("rows", "select segment_key, name, segment_type, status, is_recommended, definition, compiled_sql, members, "
                  "cast(as_of_date as varchar) as as_of_date from marts.segments", [
                *key("segment_key"), *not_null("name", "definition", "compiled_sql", "is_recommended"),
                *in_set("segment_type", ["dynamic", "static"]), *in_set("status", ["active", "draft"]),
                between("members", 0), as_of(settings),
            ]),
            Frame("recommended", """
                select
                    count(*) filter (where is_recommended) as recommended_segments,
                    count(*) filter (where is_recommended <> (recommended_rank is not null)) as rank_flag_mismatches,
                    count(*) filter (where recommended_rank not between 1 and 5) as ranks_outside_1_to_5,
                    count(recommended_rank) - count(distinct recommended_rank) as repeated_ranks,
                    coalesce(max(recommended_rank), 0) - count(recommended_rank) as gaps_in_ranks
                from marts.segments
                """, [between("recommended_segments", 0, 5),
                      *zero("rank_flag_mismatches", "ranks_outside_1_to_5", "repeated_ranks", "gaps_in_ranks")]),
            Frame("members_match_segment_members", """
                select count(*) as segments_with_other_member_counts from marts.segments
                where members <> (select count(*) from marts.segment_members
                                  where segment_members.segment_key = segments.segment_key)
                """, zero("segments_with_other_member_counts")),
        ]),
        Suite("segment_members", [
            Frame("violations", f"""
                select
                    count(*) filter (where contact_id not in (select contact_id from marts.dim_contacts)) as members_not_contacts,
                    count(*) filter (where segment_key not in (select segment_key from marts.segments))
                        as members_of_unknown_segments,
                    count(*) filter (where entered_date is null or entered_date > {day}) as entered_missing_or_after_as_of,
                    count(*) filter (where as_of_date <> {day}) as other_as_of_dates,
                    count(*) - (select count(*) from (select distinct segment_key, contact_id from marts.segment_members))
                        as repeated_members
                from marts.segment_members
                """, zero("members_not_contacts", "members_of_unknown_segments", "entered_missing_or_after_as_of",
                          "other_as_of_dates", "repeated_members")),
        ]),
        Suite("segment_membership_changes", [
            Frame("changes_of_the_date", f"""
                select
                    count(*) filter (where change_type not in ('entered', 'exited')) as unknown_change_types,
                    count(*) filter (where change_type = 'entered' and (segment_key, contact_id) not in
                        (select segment_key, contact_id from marts.segment_members)) as entered_but_not_members,
                    count(*) filter (where change_type = 'exited' and (segment_key, contact_id) in
                        (select segment_key, contact_id from marts.segment_members)) as exited_but_members,
                    count(*) - (select count(*) from (select distinct segment_key, contact_id
                        from marts.segment_membership_changes where as_of_date = {day})) as repeated_changes
                from marts.segment_membership_changes
                where as_of_date = {day}
                """, zero("unknown_change_types", "entered_but_not_members", "exited_but_members", "repeated_changes")),
        ]),
        Suite("segment_sizes_history", [
            Frame("sizes_of_the_date", f"""
                select segment_key, members, entered, exited,
                    (select count(*) from marts.segment_members as m where m.segment_key = h.segment_key) as current_members
                from marts.segment_sizes_history as h where as_of_date = {day}
                """, [
                *key("segment_key"), equal("members", "current_members"), between("entered", 0), between("exited", 0),
            ]),
            Frame("segments_have_sizes", f"""
                select
                    (select count(*) from marts.segments) as segments,
                    (select count(*) from marts.segment_sizes_history where as_of_date = {day}) as sizes
                """, [equal("segments", "sizes")]),
        ]),
        Suite("contact_tags_derived", [
            Frame("rows", "select contact_id || '/' || rule_key as tag_key, tag, score, first_matched_date, qualifying_visits, "
                  "cast(as_of_date as varchar) as as_of_date from marts.contact_tags_derived", [
                *key("tag_key"), *not_null("tag", "score", "first_matched_date"),
                between("qualifying_visits", 1), as_of(settings),
            ]),
            Frame("rule_thresholds", f"""
                select
                    count(*) filter (where d.qualifying_visits < r.min_visits) as below_min_visits,
                    count(*) filter (where d.first_matched_date > {day}) as matched_after_as_of,
                    count(*) filter (where d.tag <> r.tag or d.score <> r.score_points) as tag_or_score_not_the_rule
                from marts.contact_tags_derived as d
                inner join seeds.tag_visit_rules as r on d.rule_key = r.rule_key
                """, zero("below_min_visits", "matched_after_as_of", "tag_or_score_not_the_rule")),
        ]),
        Suite("tag_adhoc_rule_runs", [
            Frame("rows", "select rule_key, applied_as_of_date, end_date, contacts_tagged, applied_at "
                  "from marts.tag_adhoc_rule_runs", [
                *key("rule_key"), *not_null("applied_at", "applied_as_of_date"), between("contacts_tagged", 0),
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="applied_as_of_date", column_B="end_date", or_equal=True),
            ]),
        ]),
        Suite("contact_tags_adhoc", [
            Frame("counts_match_runs", """
                select
                    (select coalesce(sum(contacts_tagged), 0) from marts.tag_adhoc_rule_runs) as contacts_tagged_by_runs,
                    (select count(*) from marts.contact_tags_adhoc) as adhoc_tags,
                    (select count(*) from (select distinct contact_id, rule_key from marts.contact_tags_adhoc))
                        as distinct_adhoc_tags
                """, [equal("contacts_tagged_by_runs", "adhoc_tags"), equal("adhoc_tags", "distinct_adhoc_tags")]),
        ]),
    ]


# Each revenue tree identity holds within the rounding of its terms (docs/insights.md
# "Segment insights"): money ratios are rounded to the cent, count ratios not.
REVENUE_TREE_VIOLATIONS = {
    "net_revenue_not_customers_times_revenue_per_customer":
        "abs(net_revenue - customers * revenue_per_customer) > 0.005 * customers + 0.000001",
    "revenue_per_customer_not_orders_per_customer_times_aov":
        "abs(revenue_per_customer - orders_per_customer * average_order_value) > 0.005 * (1 + orders_per_customer) + 0.000001",
    "aov_not_units_per_transaction_times_average_unit_revenue":
        "abs(average_order_value - units_per_transaction * average_unit_revenue) "
        "> 0.005 * (1 + units_per_transaction) + 0.000001",
    "ratio_without_its_null_rule":
        "(customers = 0) <> (revenue_per_customer is null) or (customers = 0) <> (orders_per_customer is null) "
        "or (orders = 0) <> (average_order_value is null) or (units = 0) <> (average_unit_revenue is null)",
}


def segment_insight_suites(settings: SuiteSettings) -> list[Suite]:
    """The segment summary and revenue tree, monthly revenue, breakdown, overlap and comparison."""
    day = settings.as_of_literal
    return [
        Suite("segment_summary", [
            Frame("rows", "select segment_key, segment_type, members, reachable_members, purchasers, active_customers, "
                  "customers, net_revenue, window_revenue, cast(as_of_date as varchar) as as_of_date "
                  "from marts.segment_summary", [
                *key("segment_key"), *in_set("segment_type", ["dynamic", "static", "baseline"]),
                between("members", 0), between("reachable_members", 0), between("purchasers", 0), between("net_revenue", 0),
                equal("customers", "active_customers"), equal("net_revenue", "window_revenue"),
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="members", column_B="purchasers", or_equal=True),
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="purchasers", column_B="customers", or_equal=True),
                as_of(settings),
            ]),
            Frame("revenue_tree", "select " + ", ".join(
                f"count(*) filter (where {condition}) as {name}" for name, condition in REVENUE_TREE_VIOLATIONS.items()
            ) + " from marts.segment_summary", zero(*REVENUE_TREE_VIOLATIONS)),
            # The baseline and each segment, from the marts directly.
            Frame("reconciles_with_the_marts", f"""
                select
                    (select count(*) from marts.segment_summary) - (select count(*) from marts.segments) as rows_beyond_catalog,
                    (select count(*) from marts.segment_summary as s where s.members <>
                        (select count(*) from marts.segment_members as m where m.segment_key = s.segment_key)
                        and not s.is_baseline) as segments_with_other_member_counts,
                    (select members from marts.segment_summary where is_baseline) as baseline_members,
                    (select count(*) from marts.dim_contacts) as contacts,
                    (select net_revenue from marts.segment_summary where is_baseline) as baseline_net_revenue,
                    (select coalesce(sum(net_revenue), 0) from marts.fct_orders
                     where is_valid_order and ordered_date between
                        (select window_start_date from marts.segment_summary where is_baseline) and {day})
                        as valid_revenue_in_window
                """, [
                between("rows_beyond_catalog", 1, 1), *zero("segments_with_other_member_counts"),
                equal("baseline_members", "contacts"), equal("baseline_net_revenue", "valid_revenue_in_window"),
            ]),
        ]),
        Suite("segment_revenue_monthly", [
            Frame("rows", "select segment_key || '/' || cast(month_start_date as varchar) as segment_month, revenue, orders, "
                  "buyers, cast(as_of_date as varchar) as as_of_date from marts.segment_revenue_monthly", [
                *key("segment_month"), between("revenue", 0), between("orders", 0), between("buyers", 0), as_of(settings),
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="orders", column_B="buyers", or_equal=True),
            ]),
            Frame("months_and_baseline", f"""
                with baseline as (
                    select month_start_date, revenue, orders from marts.segment_revenue_monthly
                    where segment_key = 'all_contacts'
                ),
                orders as (
                    select date_trunc('month', ordered_date) as month_start_date, sum(net_revenue) as revenue,
                        count(*) as orders
                    from marts.fct_orders where is_valid_order and ordered_date <= {day} group by 1
                )
                select
                    (select count(distinct segment_key) from marts.segment_revenue_monthly)
                        - (select count(*) from marts.segment_summary) as segments_missing_or_extra,
                    (select count(*) from (select segment_key, count(*) as months from marts.segment_revenue_monthly
                        group by 1 having count(*) <> (select count(*) from baseline))) as segments_with_other_months,
                    (select count(*) from marts.segment_revenue_monthly where month_start_date > {day}
                        or (not is_complete_month and month_start_date < date_trunc('month', {day})))
                        as months_misplaced,
                    (select count(*) from baseline left join orders using (month_start_date)
                        where baseline.revenue <> coalesce(orders.revenue, 0) or baseline.orders <> coalesce(orders.orders, 0))
                        as baseline_months_not_fct_orders
                """, zero("segments_missing_or_extra", "segments_with_other_months", "months_misplaced",
                          "baseline_months_not_fct_orders")),
        ]),
        Suite("segment_breakdown", [
            Frame("rows", "select segment_key || '/' || attribute || '/' || attribute_value as breakdown_key, "
                  "attribute, attribute_value, members, purchasers, revenue, pct_of_members, "
                  "pct_of_purchasers, pct_of_revenue from marts.segment_breakdown", [
                *key("breakdown_key"), *not_null("attribute", "attribute_value"), between("members", 1),
                between("purchasers", 0), between("revenue", 0),
                *(percentage(column) for column in ("pct_of_members", "pct_of_purchasers", "pct_of_revenue")),
            ]),
            percentages_sum_to_100("segment_breakdown", "pct_of_members", "segment_key, attribute"),
            percentages_sum_to_100("segment_breakdown", "pct_of_purchasers", "segment_key, attribute"),
            percentages_sum_to_100("segment_breakdown", "pct_of_revenue", "segment_key, attribute"),
            Frame("adds_up_to_the_summary", """
                select count(*) as attributes_not_adding_up
                from (
                    select segment_key, attribute, sum(members) as members, sum(purchasers) as purchasers,
                        sum(revenue) as revenue
                    from marts.segment_breakdown group by 1, 2
                ) as b
                inner join marts.segment_summary as s using (segment_key)
                where b.members <> s.members or b.purchasers <> s.customers or b.revenue <> s.net_revenue
                """, zero("attributes_not_adding_up")),
        ]),
        Suite("segment_overlap", [
            Frame("rows", "select members, other_members, members_in_both, pct_of_members_in_other, jaccard_index "
                  "from marts.segment_overlap", [
                between("members_in_both", 0), percentage("pct_of_members_in_other"), between("jaccard_index", 0, 1 + 1e-9),
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="members", column_B="members_in_both", or_equal=True),
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="other_members", column_B="members_in_both",
                                                            or_equal=True),
            ]),
            Frame("pairs", """
                select
                    (select count(*) from marts.segment_overlap) as pairs,
                    (select count(*) * count(*) from marts.segments) as segments_squared,
                    (select count(*) from marts.segment_overlap where segment_key = other_segment_key
                        and members_in_both <> members) as diagonal_not_members,
                    (select count(*) from marts.segment_overlap as a inner join marts.segment_overlap as b
                        on a.segment_key = b.other_segment_key and a.other_segment_key = b.segment_key
                        where a.members_in_both <> b.members_in_both) as asymmetric_pairs
                """, [equal("pairs", "segments_squared"), *zero("diagonal_not_members", "asymmetric_pairs")]),
        ]),
        Suite("segment_comparison", [
            Frame("rows", "select compare_position, segment_key from marts.segment_comparison", [
                *key("compare_position"), *key("segment_key"), between("compare_position", 1, 5),
                gxe.ExpectTableRowCountToBeBetween(min_value=0, max_value=5),
            ]),
            Frame("matches_summary_and_overlap", """
                select
                    count(*) filter (where s.segment_key is null or c.members <> s.members or c.net_revenue <> s.net_revenue
                        or c.revenue_per_customer is distinct from s.revenue_per_customer) as rows_not_the_summary,
                    count(*) filter (where c.members_in_segment_1 is distinct from o.members_in_both)
                        as overlaps_not_segment_overlap
                from marts.segment_comparison as c
                left join marts.segment_summary as s on c.segment_key = s.segment_key
                left join marts.segment_comparison as first on first.compare_position = 1
                left join marts.segment_overlap as o on o.segment_key = c.segment_key and o.other_segment_key = first.segment_key
                """, zero("rows_not_the_summary", "overlaps_not_segment_overlap")),
        ]),
    ]
