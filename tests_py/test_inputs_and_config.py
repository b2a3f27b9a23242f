"""Missing files and columns, and bad configuration, stop the build with a
message that names what is wrong; missing optional inputs work as empty."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import NO_UNIT_TESTS, Workspace
from segment_harness import SegmentCompiler

pytestmark = pytest.mark.build

CONTACTS = pd.DataFrame(
    {"contact_id": ["c1", "c2"], "created_at": ["2024-01-01", "2024-01-02"], "subscription_status": ["subscribed", "bounced"]}
)
ORDERS = pd.DataFrame(
    {
        "order_id": ["o1"],
        "contact_id": ["c1"],
        "ordered_at": ["2024-02-01"],
        "status": ["completed"],
        "currency": ["EUR"],
        "total_amount": ["12.50"],
    }
)


def test_missing_required_file_names_it(workspace: Workspace) -> None:
    workspace.write_csv("contacts", CONTACTS)
    result = workspace.dbt("build")
    assert not result.ok
    assert "required file orders.csv (or orders.parquet) not found in RAW_DATA_DIR=" in result.output


def test_missing_required_column_names_the_file_and_column(workspace: Workspace) -> None:
    workspace.write_csv("contacts", CONTACTS.drop(columns=["created_at"]))
    workspace.write_csv("orders", ORDERS)
    result = workspace.dbt("build")
    assert not result.ok
    assert "contacts.csv is missing required column 'created_at'" in result.output


def test_optional_file_with_a_missing_required_column_is_named(workspace: Workspace) -> None:
    workspace.write_csv("contacts", CONTACTS)
    workspace.write_csv("orders", ORDERS)
    workspace.write_csv("events", pd.DataFrame({"event_id": ["e1"], "occurred_at": ["2024-01-01"]}))
    result = workspace.dbt("build")
    assert not result.ok
    assert "events.csv is missing required column 'event_type'" in result.output


def test_two_files_for_one_entity_are_refused(workspace: Workspace) -> None:
    workspace.write_csv("contacts", CONTACTS)
    CONTACTS.to_parquet(workspace.raw / "contacts.parquet")
    workspace.write_csv("orders", ORDERS)
    result = workspace.dbt("build")
    assert not result.ok
    assert "both contacts.parquet and contacts.csv" in result.output


def test_only_required_files_and_columns_build_with_empty_optional_data(workspace: Workspace) -> None:
    workspace.write_csv("contacts", CONTACTS)
    workspace.write_csv("orders", ORDERS)
    workspace.build(vars={"as_of_date": "2024-12-31"})
    contacts = workspace.query("select * from marts.dim_contacts order by contact_id")
    assert contacts.contact_id.tolist() == ["c1", "c2"]
    assert contacts.email.isna().all() and not contacts.has_email.any()
    assert contacts.is_customer.tolist() == [True, False]
    assert float(contacts.net_revenue.iloc[0]) == 12.5
    order = workspace.query("select * from marts.fct_orders").iloc[0]
    assert order.line_count == 0 and pd.isna(order.units)
    for empty in ("fct_engagement_events", "fct_order_lines", "dim_products", "rejected_rows"):
        assert workspace.query(f"select count(*) as n from marts.{empty}").n.item() == 0


# What check_configuration, the first on-run-start hook, says about each bad var.
CONFIGURATION_ERRORS: list[tuple[dict[str, object], str]] = [
    ({"as_of_date": "2024-02-30"}, "var as_of_date: '2024-02-30' is not a calendar date"),
    ({"as_of_date": "30/06/2024"}, "var as_of_date: '30/06/2024' is not a date in YYYY-MM-DD form"),
    ({"reporting_timezone": "Mars/Olympus"}, "var reporting_timezone: 'Mars/Olympus' is not an IANA time zone name"),
    ({"reporting_currency": "euro"}, "var reporting_currency: 'euro' is not an ISO 4217 code"),
    ({"raw_source_mode": "ftp"}, "var raw_source_mode: 'ftp' must be 'files' or 'tables'"),
    ({"rfm_scoring_method": "median"}, "var rfm_scoring_method: 'median' must be 'quantile' or 'thresholds'"),
    ({"rfm_recency_bins": 12}, "var rfm_recency_bins: '12' must be a whole number of bins from 1 to 10"),
    ({"rfm_lookback_days": 0}, "var rfm_lookback_days: '0' must be a whole number of days from 1 to 36500"),
    ({"rfm_lookback_days": 10000000}, "var rfm_lookback_days: '10000000' must be a whole number of days from 1 to 36500"),
    ({"as_of_date": "9999-12-31"}, "var as_of_date: '9999-12-31' is outside the dates the project computes with"),
    ({"as_of_date": "0001-01-01"}, "var as_of_date: '0001-01-01' is outside the dates the project computes with"),
    ({"max_rejected_share": 2}, "var max_rejected_share: '2' must be a number from 0 to 1"),
    ({"rfm_persona_scheme": "Gold tier"}, "var rfm_persona_scheme: 'Gold tier' must be a scheme name in snake_case"),
    ({"rfm_persona_scheme": "gold"}, "var rfm_recency_bins: persona scheme 'gold' has no default number of bins"),
    ({"decision_window_days": 0}, "var decision_window_days: '0' must be a whole number of days from 1 to 3650"),
    ({"include_machine_opens": "maybe"}, "var include_machine_opens: 'maybe' must be true or false"),
    ({"engagement_level_method": "median"}, "var engagement_level_method: 'median' must be 'quantile' or 'thresholds'"),
    (
        {"engagement_moderately_min_score": 20, "engagement_most_min_score": 15},
        "var engagement_moderately_min_score (20) must be below engagement_most_min_score (15)",
    ),
    (
        {"as_of_date": "2024-06-30", "movement_end_date": "2024-07-01"},
        "var movement_end_date: '2024-07-01' is after the as-of date 2024-06-30",
    ),
    (
        {"as_of_date": "2024-06-30", "movement_start_date": "2024-06-30"},
        "var movement_start_date: '2024-06-30' must be before the end date 2024-06-30",
    ),
    (
        {"as_of_date": "2024-06-30", "backtest_cutoff_date": "2024-03-01"},
        "var backtest_cutoff_date: the holdout of 180 days (var backtest_holdout_days) after the cutoff 2024-03-01 ends "
        "on 2024-08-28, after the as-of date 2024-06-30; nothing after the as-of date is used: choose a cutoff on or "
        "before 2024-01-02",
    ),
    ({"backtest_holdout_days": 0}, "var backtest_holdout_days: '0' must be a whole number of days from 1 to 3650"),
    (
        {"churn_risk_high_below": 0.8, "churn_risk_medium_below": 0.5},
        "vars churn_risk_high_below (0.8) and churn_risk_medium_below (0.5) must satisfy 0 < churn_risk_high_below",
    ),
    ({"churn_risk_high_below": "low"}, "var churn_risk_high_below: 'low' is not a number"),
    ({"rfm_quantile_count": 25}, "var rfm_quantile_count: '25' must be a whole number of quantiles from 2 to 20"),
    ({"sunset_campaign_ids": "sunset"}, "var sunset_campaign_ids: 'sunset' must be a list of campaign ids"),
    ({"campaign_window_days": 0}, "var campaign_window_days: '0' must be a whole number of days from 1 to 3650"),
]


@pytest.fixture(scope="module")
def compiler(tmp_path_factory: pytest.TempPathFactory) -> SegmentCompiler:
    return SegmentCompiler(tmp_path_factory.mktemp("configuration"))


@pytest.mark.parametrize(("build_vars", "message"), CONFIGURATION_ERRORS)
def test_check_configuration_names_the_bad_var(
    compiler: SegmentCompiler, build_vars: dict[str, object], message: str
) -> None:
    """The check as a run-operation on the parsed project (0.1 s; a build that stops in it takes 1 to 2 s):
    the builds below show that a build runs it first and stops on it."""
    ok, output = compiler.operation("check_configuration", {}, build_vars)
    assert not ok and message in output, output[-2000:]


@pytest.mark.parametrize(
    ("build_vars", "message"),
    [
        # on-run-start: the configuration check, before anything is built
        CONFIGURATION_ERRORS[0],
        # on-run-start: the raw relations over the files
        ({"raw_csv_delimiter": ";;"}, "var raw_csv_delimiter must be one character"),
        # a staging model: the currency's rate is a seed row
        ({"reporting_currency": "XYZ"}, "var reporting_currency: 'XYZ' has no row in seed currency_rates"),
        # parsing: the scheme's rules are the seed a ref names
        (
            {"rfm_persona_scheme": "gold", "rfm_recency_bins": 3, "rfm_frequency_bins": 5, "rfm_monetary_bins": 5},
            "depends on a node named 'rfm_personas_gold' which was not found",
        ),
    ],
    ids=["check_configuration", "raw_relations", "staging_model", "parse"],
)
def test_bad_configuration_stops_the_build_and_names_the_var(
    workspace: Workspace, build_vars: dict[str, object], message: str
) -> None:
    workspace.write_csv("contacts", CONTACTS)
    workspace.write_csv("orders", ORDERS)
    # --fail-fast: the first error stops it, as any error stops a run
    result = workspace.dbt("build", "--fail-fast", *NO_UNIT_TESTS, vars=build_vars)
    assert not result.ok
    assert message in result.output
