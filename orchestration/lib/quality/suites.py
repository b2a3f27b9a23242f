"""The Great Expectations suites: what GX checks on each published mart.

dbt tests own keys, not-nulls, relationships, enumerations (the seeds), the
rules of a model's own rows and the identities the scoring promises; they run
in the build and stop it. GX owns what the published marts say after the
build: freshness (the as-of date), volumes (rows against the raw data and
against each other), ranges and distributions of values, and reconciliations
between published marts that no single model promises (DECISIONS.md "dbt
tests and Great Expectations: one owner per check"). So a mart's declaration
below lists only what its dbt tests do not check; tests_py/test_quality.py
fails on an expectation that repeats a dbt test.

A declaration becomes a suite of frames: a frame is a query read into a
pandas DataFrame and the expectations evaluated on it. The row frame reads
the declared columns of the mart (for history tables, the rows of the as-of
date); each check is an aggregate query computed in SQL, whose columns must
be zero (counts of violations) or equal in pairs. Value sets come from the
project's seeds (orchestration/lib/seeds.py), never from the data checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import great_expectations.expectations as gxe
from great_expectations.expectations.expectation import Expectation

from orchestration.lib import seeds

PROJECT_DIR = Path(__file__).resolve().parents[3]

LIFECYCLE_STAGES = ["Active", "Lapsing", "Inactive"]
ENGAGEMENT_STATUSES = ["Engaged", "Non-engaged"]
CONTACT_TYPES = ["Customer", "Non-customer"]
NON_CUSTOMER_PERSONA = "Non-customers"
CHURN_RISKS = ["High", "Medium", "Low"]
RAW_ENTITIES = ["contacts", "contact_tags", "orders", "order_lines", "products", "events"]
# The highest number of quantile bins dbt accepts (var rfm_*_bins: 1 to 10).
MAX_RFM_SCORE = 10
# Percentages may exceed 100 by floating point (100 x n / n = 100.00000000000001).
PERCENT = (0, 100 + 1e-9)


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
    project_dir: Path = PROJECT_DIR
    schema: str = "marts"

    @property
    def as_of_literal(self) -> str:
        return f"date '{self.as_of_date}'"


@dataclass(frozen=True)
class Check:
    """An aggregate query of one row: `zero` columns count violations, `equal` pairs must match."""

    name: str
    sql: str
    zero: tuple[str, ...] = ()
    equal: tuple[tuple[str, str], ...] = ()
    ranges: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)


@dataclass(frozen=True)
class Declared:
    """What GX checks on one mart beyond its dbt tests."""

    fresh: bool = False  # as_of_date is the as-of date checked
    where: str = ""  # the rows checked (history tables: the as-of date's)
    ranges: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    sets: dict[str, str] = field(default_factory=dict)  # column: name of a value set (nulls allowed)
    at_least: tuple[tuple[str, str], ...] = ()  # (a, b): a >= b on every row
    row_count: tuple[int, int] | None = None
    raw: str | None = None  # holds at most the rows staging kept of this raw entity
    raw_exact: bool = False  # ... exactly those
    distinct: dict[str, str] = field(default_factory=dict)  # column: value set its distinct values equal
    checks: tuple[Check, ...] = ()


def persona_names(project_dir: Path = PROJECT_DIR) -> list[str]:
    """Every persona of every shipped or added scheme (seeds/rfm_personas_*.csv)."""
    names = sorted(seeds.persona_names(project_dir / "seeds"))
    if not names:
        raise FileNotFoundError(f"no seeds/rfm_personas_*.csv under {project_dir}")
    return names


def opportunity_groups(personas: list[str], engaged_levels: list[str]) -> list[str]:
    """'<level> <persona in lower case>', as int_contacts_opportunity_grouped names them."""
    return [f"{level} {persona.lower()}" for level in engaged_levels for persona in [*personas, NON_CUSTOMER_PERSONA]]


def value_sets(project_dir: Path) -> dict[str, list[object]]:
    """The value sets declarations name, from the project's seeds."""
    seeds_dir = project_dir / "seeds"
    personas = persona_names(project_dir)
    levels = seeds.engagement_levels(seeds_dir)
    return {
        "personas": list(personas),
        "opportunity_groups": list(opportunity_groups(personas, levels[1:])),
        "opportunity_intents": list(seeds.opportunity_intents(seeds_dir)),
        "subscription_statuses": list(seeds.subscription_statuses(seeds_dir)),
        "contact_groups": [*seeds.subscription_statuses(seeds_dir), "All contacts"],
        "lifecycle_stages": LIFECYCLE_STAGES,
        "engagement_statuses": ENGAGEMENT_STATUSES,
        "contact_types": CONTACT_TYPES,
        "raw_entities": RAW_ENTITIES,
        # persona_backtest's groups: all customers, the personas, the churn-risk bands, the ten deciles
        "backtest_groups": ["All customers", *personas, *CHURN_RISKS, *(f"Decile {n}" for n in range(1, 11))],
    }


def scores(*columns: str) -> dict[str, tuple[float | None, float | None]]:
    return {column: (1, MAX_RFM_SCORE) for column in columns}


def at_least_zero(*columns: str) -> dict[str, tuple[float | None, float | None]]:
    return {column: (0, None) for column in columns}


def counts(table: str, *rules: tuple[str, str]) -> Check:
    """Rows of `table` breaking each rule (name, SQL condition); each count must be zero."""
    selected = ", ".join(f"count(*) filter (where {condition}) as {name}" for name, condition in rules)
    return Check("violations", f"select {selected} from {{m}}.{table}", zero=tuple(name for name, _ in rules))


RFM_SCORES = ("recency_score", "frequency_score", "monetary_score")

# Per mart, what GX checks beyond its dbt tests. In SQL, {m} is the marts
# schema and {day} the as-of date.
DECLARATIONS: dict[str, Declared] = {
    "dim_contacts": Declared(fresh=True, ranges=at_least_zero("valid_orders"), raw="contacts"),
    "dim_products": Declared(ranges=at_least_zero("price"), raw="products", raw_exact=True),
    "fct_orders": Declared(raw="orders"),
    "fct_order_lines": Declared(
        raw="order_lines", checks=(counts("fct_order_lines", ("lines_after_as_of", "ordered_date > {day}")),),
    ),
    "fct_engagement_events": Declared(raw="events"),
    "raw_row_counts": Declared(distinct={"entity": "raw_entities"}),
    "rejected_rows": Declared(checks=(Check("count_matches_raw_row_counts", """
        select (select count(*) from {m}.rejected_rows) as rejected_rows,
               (select sum(rejected_rows) from {m}.raw_row_counts) as counted_rejected_rows
        """, equal=(("rejected_rows", "counted_rejected_rows"),)),)),
    "rfm_scores": Declared(fresh=True, ranges={**scores(*RFM_SCORES), "frequency": (1, None)}),
    "rfm_scores_history": Declared(where="as_of_date = {day}", ranges=scores(*RFM_SCORES), sets={"persona": "personas"}),
    "rfm_thresholds": Declared(ranges=at_least_zero("customers")),
    "rfm_quantiles": Declared(fresh=True, ranges={"pct_of_customers": PERCENT}, checks=(Check("cuts_rise_to_the_maximum", """
        select
            (select count(*) from {m}.rfm_quantiles as a inner join {m}.rfm_quantiles as b
                on a.dimension = b.dimension and b.quantile = a.quantile + 1 where b.cut_value < a.cut_value) as falling_cuts,
            (select count(*) from {m}.rfm_quantiles where quantile = quantiles and customers_at_or_below <> customers)
                as last_quantile_not_everyone,
            (select count(*) from {m}.rfm_quantiles where customers <> (select count(*) from {m}.rfm_scores))
                as customers_not_rfm_scores
        """, zero=("falling_cuts", "last_quantile_not_everyone", "customers_not_rfm_scores")),)),
    "rfm_persona_summary": Declared(
        sets={"persona": "personas"}, ranges={**at_least_zero("customers"), "pct_of_customers": PERCENT},
        checks=(Check("customers_and_percentages", """
            select round(sum(pct_of_customers), 6) as total_pct, sum(customers) as summary_customers,
                   (select count(*) from {m}.rfm_scores) as scored_customers
            from {m}.rfm_persona_summary having count(*) > 0
            """, equal=(("summary_customers", "scored_customers"),), ranges={"total_pct": (99.99, 100.01)}),),
    ),
    "persona_movement": Declared(
        sets={"from_persona": "personas", "to_persona": "personas"},
        ranges={**at_least_zero("customers"), "pct_of_from_persona": PERCENT},
    ),
    "persona_movement_contacts": Declared(sets={"persona": "personas"}, checks=(Check("counts_match_population_change", """
        select (select count(*) from {m}.persona_movement_contacts where period_end = 'end') as end_rows,
               (select sum(end_customers) from {m}.persona_population_change) as end_customers
        """, equal=(("end_rows", "end_customers"),)),)),
    "persona_population_change": Declared(sets={"persona": "personas"}),
    "erfm_scores": Declared(fresh=True, sets={"engagement_status": "engagement_statuses"}, checks=(
        Check("one_row_per_contact", """
            select (select count(*) from {m}.erfm_scores) as scored_contacts, (select count(*) from {m}.dim_contacts) as contacts
            """, equal=(("scored_contacts", "contacts"),)),
    )),
    "erfm_scores_history": Declared(
        where="as_of_date = {day}", ranges=at_least_zero("engagement_score"), sets={"opportunity_group": "opportunity_groups"},
        checks=(Check("equals_erfm_scores", """
            select count(*) as rows_differing from (
                (select contact_id, engagement_score, opportunity_group from {m}.erfm_scores_history where as_of_date = {day}
                 except all select contact_id, engagement_score, opportunity_group from {m}.erfm_scores)
                union all
                (select contact_id, engagement_score, opportunity_group from {m}.erfm_scores
                 except all select contact_id, engagement_score, opportunity_group from {m}.erfm_scores_history
                 where as_of_date = {day})
            )
            """, zero=("rows_differing",)),),
    ),
    "opportunity_tiles": Declared(sets={"opportunity_group": "opportunity_groups"}, ranges=at_least_zero("contacts")),
    "opportunity_summary": Declared(row_count=(1, 1)),
    "opportunity_ideas": Declared(
        sets={"contact_type": "contact_types", "opportunity_intent": "opportunity_intents", "purchase_phase": "lifecycle_stages"},
        ranges=at_least_zero("contacts"),
        checks=(Check("ideas_sum_to_opportunities", """
            select (select sum(contacts) from {m}.opportunity_ideas) as contacts_in_ideas,
                   (select opportunities from {m}.opportunity_summary) as opportunities
            """, equal=(("contacts_in_ideas", "opportunities"),)),),
    ),
    "opportunity_movement": Declared(ranges={**at_least_zero("contacts"), "pct_of_from_group": PERCENT}),
    "opportunity_movement_contacts": Declared(sets={"opportunity_group": "opportunity_groups"}),
    "engagement_status": Declared(
        fresh=True, ranges=at_least_zero("days_since_last_interaction"), sets={"subscription_status": "subscription_statuses"},
        checks=(Check("one_row_per_contact", """
            select (select count(*) from {m}.engagement_status) as contacts_with_status,
                   (select count(*) from {m}.dim_contacts) as contacts
            """, equal=(("contacts_with_status", "contacts"),)),),
    ),
    "engagement_status_summary": Declared(sets={"contact_group": "contact_groups"}),
    "engagement_status_changes": Declared(
        sets={"engagement_status": "engagement_statuses", "contact_group": "contact_groups"}, checks=(
        counts("engagement_status_changes", ("net_change_not_end_minus_start", "net_change <> end_contacts - start_contacts")),
    )),
    "sunset_candidates": Declared(checks=(
        counts("sunset_candidates",
               ("candidates_not_in_dim_contacts", "contact_id not in (select contact_id from {m}.dim_contacts)")),
    )),
    "contact_campaign_responsiveness": Declared(
        fresh=True,
        ranges={"open_rate_pct": PERCENT, "click_rate_pct": PERCENT, "click_to_open_rate_pct": PERCENT},
        checks=(Check("sends_match_the_campaigns", """
            select
                (select coalesce(sum(campaigns_sent), 0) from {m}.contact_campaign_responsiveness) as contact_campaign_pairs,
                (select coalesce(sum(contacts_sent), 0) from {m}.campaign_responsiveness) as campaign_contact_pairs,
                (select coalesce(sum(machine_opens), 0) from {m}.contact_campaign_responsiveness) as contact_machine_opens,
                (select coalesce(sum(machine_opens), 0) from {m}.campaign_responsiveness) as campaign_machine_opens
            """, equal=(("contact_campaign_pairs", "campaign_contact_pairs"),
                         ("contact_machine_opens", "campaign_machine_opens"))),),
    ),
    "campaign_responsiveness": Declared(
        fresh=True, ranges={"open_rate_pct": PERCENT, "click_rate_pct": PERCENT, "click_to_open_rate_pct": PERCENT},
        at_least=(("emails_sent", "contacts_sent"),),
    ),
    "sunset_suppressions": Declared(fresh=True, ranges=at_least_zero("sunset_emails_sent"), checks=(Check("among_candidates", """
        select
            (select count(*) from {m}.sunset_suppressions) as suppressions,
            (select count(*) from {m}.sunset_candidates) as candidates,
            (select count(*) from {m}.sunset_suppressions as s inner join {m}.sunset_candidates as c
                on s.contact_id = c.contact_id where s.days_without_interaction <> c.days_without_interaction)
                as days_not_the_candidates
        """, zero=("days_not_the_candidates",), ranges={"suppressions": (0, None)}),)),
    "segments": Declared(fresh=True, ranges=at_least_zero("members"), checks=(
        Check("recommended", """
            select
                count(*) filter (where is_recommended) as recommended_segments,
                count(*) filter (where is_recommended <> (recommended_rank is not null)) as rank_flag_mismatches,
                coalesce(max(recommended_rank), 0) - count(recommended_rank) as gaps_in_ranks
            from {m}.segments
            """, zero=("rank_flag_mismatches", "gaps_in_ranks"), ranges={"recommended_segments": (0, 5)}),
        counts("segments", ("segments_with_other_member_counts", "members <> (select count(*) from {m}.segment_members as m "
                            "where m.segment_key = segments.segment_key)")),
    )),
    "segment_members": Declared(fresh=True, checks=(
        counts("segment_members", ("entered_missing_or_after_as_of", "entered_date is null or entered_date > {day}")),
    )),
    "segment_membership_changes": Declared(where="as_of_date = {day}", checks=(Check("changes_of_the_date", """
        select
            count(*) filter (where change_type = 'entered' and (segment_key, contact_id) not in
                (select segment_key, contact_id from {m}.segment_members)) as entered_but_not_members,
            count(*) filter (where change_type = 'exited' and (segment_key, contact_id) in
                (select segment_key, contact_id from {m}.segment_members)) as exited_but_members
        from {m}.segment_membership_changes where as_of_date = {day}
        """, zero=("entered_but_not_members", "exited_but_members")),)),
    "segment_sizes_history": Declared(where="as_of_date = {day}", ranges=at_least_zero("entered", "exited"), checks=(
        Check("sizes_of_the_date", """
            select
                count(*) filter (where h.members <> (select count(*) from {m}.segment_members as m
                                                     where m.segment_key = h.segment_key)) as sizes_not_members,
                count(*) - (select count(*) from {m}.segments) as sizes_minus_segments
            from {m}.segment_sizes_history as h where as_of_date = {day}
            """, zero=("sizes_not_members", "sizes_minus_segments")),
    )),
    "segment_definition_history": Declared(where="as_of_date = {day}", checks=(Check("definitions_of_the_date", """
        select
            (select count(*) from {m}.segment_definition_history as h where as_of_date = {day} and not exists
                (select 1 from {m}.segments as s where s.segment_key = h.segment_key
                 and s.definition_hash = h.definition_hash)) as hashes_not_the_segments,
            (select count(*) from {m}.segment_definition_history where as_of_date = {day}) as segments_of_the_date,
            (select count(*) from {m}.segments) as segments
        """, zero=("hashes_not_the_segments",), equal=(("segments_of_the_date", "segments"),)),)),
    "contact_tags_derived": Declared(fresh=True, ranges={"qualifying_visits": (1, None)}, checks=(Check("rule_thresholds", """
        select
            count(*) filter (where d.qualifying_visits < r.min_visits) as below_min_visits,
            count(*) filter (where d.first_matched_date > {day}) as matched_after_as_of,
            count(*) filter (where d.tag <> r.tag or d.score <> r.score_points) as tag_or_score_not_the_rule
        from {m}.contact_tags_derived as d
        inner join seeds.tag_visit_rules as r on d.rule_key = r.rule_key
        """, zero=("below_min_visits", "matched_after_as_of", "tag_or_score_not_the_rule")),)),
    "tag_adhoc_rule_runs": Declared(ranges=at_least_zero("contacts_tagged"), at_least=(("applied_as_of_date", "end_date"),)),
    "contact_tags_adhoc": Declared(checks=(Check("counts_match_runs", """
        select (select coalesce(sum(contacts_tagged), 0) from {m}.tag_adhoc_rule_runs) as contacts_tagged_by_runs,
               (select count(*) from {m}.contact_tags_adhoc) as adhoc_tags
        """, equal=(("contacts_tagged_by_runs", "adhoc_tags"),)),)),
    "segment_summary": Declared(
        fresh=True, ranges=at_least_zero("members", "reachable_members", "purchasers", "net_revenue"),
        checks=(Check("reconciles_with_the_marts", """
            select
                (select count(*) from {m}.segment_summary) - (select count(*) from {m}.segments) as rows_beyond_catalog,
                (select count(*) from {m}.segment_summary as s where s.members <>
                    (select count(*) from {m}.segment_members as m where m.segment_key = s.segment_key)
                    and not s.is_baseline) as segments_with_other_member_counts,
                (select members from {m}.segment_summary where is_baseline) as baseline_members,
                (select count(*) from {m}.dim_contacts) as contacts,
                (select net_revenue from {m}.segment_summary where is_baseline) as baseline_net_revenue,
                (select coalesce(sum(net_revenue), 0) from {m}.fct_orders
                 where is_valid_order and ordered_date between
                    (select window_start_date from {m}.segment_summary where is_baseline) and {day})
                    as valid_revenue_in_window
            """, zero=("segments_with_other_member_counts",),
            equal=(("baseline_members", "contacts"), ("baseline_net_revenue", "valid_revenue_in_window")),
            ranges={"rows_beyond_catalog": (1, 1)}),),
    ),
    "segment_revenue_monthly": Declared(
        fresh=True, ranges=at_least_zero("revenue", "orders", "buyers"), at_least=(("orders", "buyers"),),
        checks=(Check("months_and_baseline", """
            with baseline as (
                select month_start_date, revenue, orders from {m}.segment_revenue_monthly where segment_key = 'all_contacts'
            ),
            orders as (
                select date_trunc('month', ordered_date) as month_start_date, sum(net_revenue) as revenue, count(*) as orders
                from {m}.fct_orders where is_valid_order and ordered_date <= {day} group by 1
            )
            select
                (select count(distinct segment_key) from {m}.segment_revenue_monthly)
                    - (select count(*) from {m}.segment_summary) as segments_missing_or_extra,
                (select count(*) from (select segment_key from {m}.segment_revenue_monthly
                    group by 1 having count(*) <> (select count(*) from baseline))) as segments_with_other_months,
                (select count(*) from {m}.segment_revenue_monthly where month_start_date > {day}
                    or (not is_complete_month and month_start_date < date_trunc('month', {day}))) as months_misplaced,
                (select count(*) from baseline left join orders using (month_start_date)
                    where baseline.revenue <> coalesce(orders.revenue, 0) or baseline.orders <> coalesce(orders.orders, 0))
                    as baseline_months_not_fct_orders
            """, zero=("segments_missing_or_extra", "segments_with_other_months", "months_misplaced",
                       "baseline_months_not_fct_orders")),),
    ),
    "segment_breakdown": Declared(ranges={
        "members": (1, None), **at_least_zero("purchasers", "revenue"),
        "pct_of_members": PERCENT, "pct_of_purchasers": PERCENT, "pct_of_revenue": PERCENT,
    }),
    "segment_overlap": Declared(
        ranges={**at_least_zero("members_in_both"), "pct_of_members_in_other": PERCENT, "jaccard_index": (0, 1 + 1e-9)},
        checks=(Check("pairs", """
            select
                (select count(*) from {m}.segment_overlap) as pairs,
                (select count(*) * count(*) from {m}.segments) as segments_squared,
                (select count(*) from {m}.segment_overlap where segment_key = other_segment_key
                    and members_in_both <> members) as diagonal_not_members,
                (select count(*) from {m}.segment_overlap as a inner join {m}.segment_overlap as b
                    on a.segment_key = b.other_segment_key and a.other_segment_key = b.segment_key
                    where a.members_in_both <> b.members_in_both) as asymmetric_pairs
            """, zero=("diagonal_not_members", "asymmetric_pairs"), equal=(("pairs", "segments_squared"),)),),
    ),
    "customer_predictions": Declared(fresh=True, checks=(Check("customers_and_segment_revenue", """
        select
            (select count(*) from {m}.customer_predictions) as predicted_customers,
            (select count(*) from {m}.rfm_scores) as scored_customers,
            (select coalesce(sum(predicted_revenue_next_365_days), 0) from {m}.customer_predictions) as predicted_revenue,
            (select coalesce(predicted_revenue_next_365_days, 0) from {m}.segment_summary where is_baseline)
                as baseline_predicted_revenue
        """, equal=(("predicted_customers", "scored_customers"), ("predicted_revenue", "baseline_predicted_revenue"))),)),
    "customer_predictions_history": Declared(where="as_of_date = {day}", checks=(Check("equals_customer_predictions", """
        select count(*) as rows_differing from (
            (select contact_id, churn_risk, predicted_revenue_next_365_days from {m}.customer_predictions_history
             where as_of_date = {day}
             except all select contact_id, churn_risk, predicted_revenue_next_365_days from {m}.customer_predictions)
            union all
            (select contact_id, churn_risk, predicted_revenue_next_365_days from {m}.customer_predictions
             except all select contact_id, churn_risk, predicted_revenue_next_365_days from {m}.customer_predictions_history
             where as_of_date = {day})
        )
        """, zero=("rows_differing",)),)),
    "clv_model_parameters": Declared(fresh=True, row_count=(14, 14), checks=(Check("fits_saw_the_customers", """
        select
            (select max(customers_fitted) from {m}.clv_model_parameters
             where fit_purpose = 'predictions' and model = 'bg_nbd') as bg_nbd_customers,
            (select count(*) from {m}.customer_predictions) as predicted_customers,
            (select count(*) from {m}.clv_model_parameters where fit_purpose = 'predictions'
                and data_through_date <> {day}) as prediction_fits_of_other_dates,
            (select count(*) from {m}.clv_model_parameters where fit_purpose = 'backtest'
                and data_through_date >= {day}) as backtest_fits_not_before_the_date
        """, zero=("prediction_fits_of_other_dates", "backtest_fits_not_before_the_date"),
            equal=(("bg_nbd_customers", "predicted_customers"),)),)),
    "persona_backtest": Declared(
        fresh=True, ranges={"holdout_purchase_rate_pct": PERCENT, **at_least_zero("holdout_revenue_per_customer")},
        sets={"group_name": "backtest_groups"},
        checks=(Check("groups_partition_the_customers", """
            select
                (select customers from {m}.persona_backtest where group_type = 'all') as all_customers,
                (select sum(customers) from {m}.persona_backtest where group_type = 'persona') as persona_customers,
                (select count(*) from {m}.persona_backtest where group_type = 'all') as all_rows,
                (select count(*) from {m}.persona_backtest where holdout_end_date > {day}) as holdouts_after_as_of,
                1 as one
            """, zero=("holdouts_after_as_of",), equal=(("all_customers", "persona_customers"), ("all_rows", "one"))),),
    ),
    # MetricFlow's calendar: every day from its first to the as-of date, no gap, none after it.
    "metricflow_time_spine": Declared(checks=(
        Check("calendar", """
            select
                count(*) - (max(date_day) - min(date_day) + 1) as days_missing_or_repeated,
                count(*) filter (where date_day > {day}) as days_after_as_of_date,
                cast(max(date_day) = {day} as integer) as ends_on_the_as_of_date,
                1 as one
            from {m}.metricflow_time_spine
        """, zero=("days_missing_or_repeated", "days_after_as_of_date"), equal=(("ends_on_the_as_of_date", "one"),)),
    )),
    "segment_comparison": Declared(ranges={"compare_position": (1, 5)}, row_count=(0, 5), checks=(
        Check("matches_summary_and_overlap", """
            select
                count(*) filter (where s.segment_key is null or c.members <> s.members or c.net_revenue <> s.net_revenue
                    or c.revenue_per_customer is distinct from s.revenue_per_customer) as rows_not_the_summary,
                count(*) filter (where c.members_in_segment_1 is distinct from o.members_in_both)
                    as overlaps_not_segment_overlap
            from {m}.segment_comparison as c
            left join {m}.segment_summary as s on c.segment_key = s.segment_key
            left join {m}.segment_comparison as first on first.compare_position = 1
            left join {m}.segment_overlap as o on o.segment_key = c.segment_key and o.other_segment_key = first.segment_key
            """, zero=("rows_not_the_summary", "overlaps_not_segment_overlap")),
    )),
}


def between(column: str, bounds: tuple[float | None, float | None]) -> Expectation:
    return gxe.ExpectColumnValuesToBeBetween(column=column, min_value=bounds[0], max_value=bounds[1])


def row_expectations(declared: Declared, settings: SuiteSettings, sets: dict[str, list[object]]) -> list[Expectation]:
    expectations: list[Expectation] = [between(column, bounds) for column, bounds in declared.ranges.items()]
    expectations += [
        gxe.ExpectColumnValuesToBeInSet(column=column, value_set=sets[name]) for column, name in declared.sets.items()
    ]
    expectations += [
        gxe.ExpectColumnDistinctValuesToEqualSet(column=column, value_set=sets[name])
        for column, name in declared.distinct.items()
    ]
    expectations += [
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=a, column_B=b, or_equal=True, ignore_row_if="either_value_is_missing"
        )
        for a, b in declared.at_least
    ]
    if declared.fresh:
        expectations.append(gxe.ExpectColumnValuesToBeInSet(column="as_of_date", value_set=[settings.as_of_date]))
    if declared.row_count:
        low, high = declared.row_count
        expectations.append(gxe.ExpectTableRowCountToBeBetween(min_value=low, max_value=high))
    return expectations


def row_columns(declared: Declared) -> list[str]:
    columns = [*declared.ranges, *declared.sets, *declared.distinct, *(c for pair in declared.at_least for c in pair)]
    selected = list(dict.fromkeys(columns))
    if declared.fresh:
        selected.append("cast(as_of_date as varchar) as as_of_date")
    return selected or ["1 as one"]


def volume(mart: str, entity: str, exact: bool) -> Check:
    """The mart holds at most the rows staging kept of its raw entity (exactly those when `exact`)."""
    return Check("rows_relative_to_raw", f"""
        select (select count(*) from {{m}}.{mart}) as mart_rows, staged_rows,
               staged_rows - (select count(*) from {{m}}.{mart}) as staged_rows_not_in_mart
        from {{m}}.raw_row_counts where entity = '{entity}'
        """, equal=(("mart_rows", "staged_rows"),) if exact else (), ranges={"staged_rows_not_in_mart": (0, None)})


def check_frame(check: Check, settings: SuiteSettings) -> Frame:
    expectations: list[Expectation] = [between(column, (0, 0)) for column in check.zero]
    expectations += [gxe.ExpectColumnPairValuesToBeEqual(column_A=a, column_B=b) for a, b in check.equal]
    expectations += [between(column, bounds) for column, bounds in check.ranges.items()]
    return Frame(check.name, check.sql.format(m=settings.schema, day=settings.as_of_literal), expectations)


def build_suite(mart: str, declared: Declared, settings: SuiteSettings, sets: dict[str, list[object]]) -> Suite:
    where = f" where {declared.where.format(day=settings.as_of_literal)}" if declared.where else ""
    frames = [Frame(
        "rows" if not declared.where else "rows_of_the_as_of_date",
        f"select {', '.join(row_columns(declared))} from {settings.schema}.{mart}{where}",
        row_expectations(declared, settings, sets),
    )]
    checks = (*((volume(mart, declared.raw, declared.raw_exact),) if declared.raw else ()), *declared.checks)
    frames += [check_frame(check, settings) for check in checks]
    return Suite(mart, [frame for frame in frames if frame.expectations])


def build_suites(settings: SuiteSettings, declarations: dict[str, Declared] | None = None) -> list[Suite]:
    sets = value_sets(settings.project_dir)
    chosen: dict[str, Declared] = DECLARATIONS if declarations is None else declarations
    return [build_suite(mart, declared, settings, sets) for mart, declared in chosen.items()]

