"""RFM scores, personas, the persona dashboard, history and movement agree
exactly with an independent pandas computation written from the documented
definitions, on generated data with bad rows; history backfills equal
single-date builds; bad rules stop the build naming what is wrong."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from decimal import Decimal

import pandas as pd
import pytest

from conftest import NO_UNIT_TESTS, PROJECT_DIR, SAMPLE_AS_OF, Workspace, copy_dbt_project
from reference import _quantile_scores, assert_dim_contacts_match, expected_rfm_scores, valid_orders

pytestmark = pytest.mark.build

# Local days east of UTC (New York, west of it, is the as-of and incremental tests' zone).
ZONE = "Asia/Tokyo"
GENERATE = ("--contacts", "2500", "--orders", "20000", "--events", "20000", "--end-date", "2026-06-30", "--seed", "11")
SCORE_COLUMNS = [
    "recency_days",
    "frequency",
    "monetary",
    "average_order_value",
    "recency_score",
    "frequency_score",
    "monetary_score",
    "rfm_code",
    "fm_score",
    "persona",
    "persona_rank",
    "lifecycle_stage",
    "lifetime_valid_orders",
    "lifetime_net_revenue",
]


def money(value: object) -> Decimal | None:
    return None if value is None or pd.isna(value) else Decimal(str(value)).quantize(Decimal("0.01"))


def built_scores(workspace: Workspace, table: str = "marts.rfm_scores", where: str = "true") -> pd.DataFrame:
    frame = workspace.query(f"select * from {table} where {where} order by contact_id").set_index("contact_id")
    for column in ("monetary", "average_order_value", "lifetime_net_revenue"):
        if column in frame:
            frame[column] = frame[column].map(money)
    return frame


def assert_scores_equal(actual: pd.DataFrame, expected: pd.DataFrame, columns: list[str]) -> None:
    assert list(actual.index) == list(expected.index), "the same customers are scored"
    for column in columns:
        got = [None if value is None or (not isinstance(value, str) and pd.isna(value)) else value for value in actual[column]]
        want = [None if value is None or (not isinstance(value, str) and pd.isna(value)) else value for value in expected[column]]
        mismatched = [(contact, g, w) for contact, g, w in zip(actual.index, got, want, strict=True) if g != w]
        assert not mismatched, f"{column}: {len(mismatched)} customers differ, e.g. {mismatched[:5]}"


def test_rfm_scores_and_personas_match_the_pandas_reference(sample_warehouse: Workspace) -> None:
    """Quantile scoring, the standard scheme, UTC: the defaults, on the shared sample."""
    settings = {"rfm_scoring_method": "quantile", "rfm_persona_scheme": "standard"}
    assert_rfm_matches(sample_warehouse, dt.date.fromisoformat(SAMPLE_AS_OF), settings, "UTC")



def test_rfm_quantiles_are_the_nearest_rank_quantiles_of_the_reference(sample_warehouse: Workspace) -> None:
    """rfm_quantiles: the q-th of 10 quantiles is the value at position ceil(q N / 10) of the sorted values
    of the pandas reference's recency, frequency and monetary (docs/scoring.md)."""
    as_of = dt.date.fromisoformat(SAMPLE_AS_OF)
    expected = expected_rfm_scores(valid_orders(sample_warehouse.raw, "UTC", as_of=as_of), as_of)
    built = sample_warehouse.query("select * from marts.rfm_quantiles").set_index(["dimension", "quantile"])
    customers = len(expected)
    for dimension, column in (("recency", "recency_days"), ("frequency", "frequency"), ("monetary", "monetary")):
        ordered = sorted(Decimal(str(value)) for value in expected[column])
        for quantile in range(1, 11):
            position = -(-quantile * customers // 10)  # ceil
            row = built.loc[(dimension, quantile)]
            assert money(row.cut_value) == ordered[position - 1], (dimension, quantile)
            assert row.customers_at_or_below == sum(1 for value in ordered if value <= ordered[position - 1])
            assert row.customers == customers


def test_another_configuration_matches_the_pandas_reference(workspace: Workspace) -> None:
    """Threshold scoring, the classic scheme, a lookback and local days in Tokyo: RFM and dim_contacts agree
    with the references, and the data tests pass on this configuration."""
    settings = {"rfm_scoring_method": "thresholds", "rfm_persona_scheme": "classic", "rfm_lookback_days": 365}
    workspace.generate(*GENERATE, "--bad-row-rate", "0.003", "--format", "csv")
    as_of = dt.date(2026, 5, 15)
    workspace.build(tests=True, vars={"as_of_date": as_of.isoformat(), "reporting_timezone": ZONE, **settings})
    assert_rfm_matches(workspace, as_of, settings, ZONE)
    assert_dim_contacts_match(workspace.query, workspace.raw, as_of, ZONE)



def test_ten_quantile_bins_give_deciles_and_a_joined_code(workspace: Workspace) -> None:
    """rfm_*_bins accept 10 (deciles): the scores equal 1 + floor(10 (rank - 1) / N) from the pandas
    reference, score 10 occurs, and rfm_code joins the scores with '-' so that 10-1-3 reads one way."""
    workspace.generate("--contacts", "600", "--orders", "4000", "--events", "500", "--end-date", "2026-06-30", "--seed", "5")
    as_of = dt.date(2026, 6, 30)
    bins = {"rfm_recency_bins": 10, "rfm_frequency_bins": 4, "rfm_monetary_bins": 10}
    scored = "+int_customers_rfm_scored"
    workspace.build("--indirect-selection", "cautious", select=scored, vars={"as_of_date": str(as_of), **bins})
    built = workspace.query(
        f"select * from intermediate.int_customers_rfm_scored where as_of_date = date '{as_of}' order by contact_id"
    ).set_index("contact_id")
    expected = expected_rfm_scores(valid_orders(workspace.raw, "UTC", as_of=as_of), as_of, scheme="classic")
    cents = expected.monetary.map(lambda value: int(value * 100))
    scores = {
        "recency_score": _quantile_scores(expected.recency_days, 10, worst_first_ascending=False),
        "frequency_score": _quantile_scores(expected.frequency, 4, worst_first_ascending=True),
        "monetary_score": _quantile_scores(cents, 10, worst_first_ascending=True),
    }
    for column, want in scores.items():
        assert [int(v) for v in built[column]] == [int(v) for v in want.reindex(built.index)], column
    assert built.monetary_score.max() == 10 and built.recency_score.max() == 10
    assert list(built.rfm_code) == [
        f"{r}-{f}-{m}" for r, f, m in zip(built.recency_score, built.frequency_score, built.monetary_score, strict=True)
    ]
    # 11 bins stop the build naming the var
    eleven = {"as_of_date": str(as_of), "rfm_monetary_bins": 11}
    result = workspace.dbt("build", *NO_UNIT_TESTS, select="int_rfm_score_bins", vars=eleven)
    assert not result.ok and "var rfm_monetary_bins: '11' must be a whole number of bins from 1 to 10" in result.output


def assert_rfm_matches(workspace: Workspace, as_of: dt.date, settings: dict[str, object], zone: str) -> None:
    valid = valid_orders(workspace.raw, zone, as_of=as_of)
    expected = expected_rfm_scores(
        valid,
        as_of,
        method=str(settings["rfm_scoring_method"]),
        scheme=str(settings["rfm_persona_scheme"]),
        lookback_days=settings.get("rfm_lookback_days"),  # type: ignore[arg-type]
    )
    actual = built_scores(workspace)
    assert_scores_equal(actual, expected, SCORE_COLUMNS)
    assert set(actual.scoring_method) == {settings["rfm_scoring_method"]}
    assert set(actual.persona_scheme) == {settings["rfm_persona_scheme"]}

    # the comparison means something: many customers, ties, most personas used
    assert len(expected) > 1000
    assert expected.frequency.duplicated().any() and expected.recency_days.duplicated().any()
    assert expected.persona.nunique() >= 5

    # the persona dashboard, from the same reference
    summary = workspace.query("select * from marts.rfm_persona_summary").set_index("persona")
    rules = pd.read_csv(PROJECT_DIR / f"seeds/rfm_personas_{settings['rfm_persona_scheme']}.csv").set_index("persona")
    assert sorted(summary.index) == sorted(rules.index), "every persona has a row, even with no customer"
    grouped = expected.groupby("persona")
    for persona in rules.index:
        customers = int(grouped.size().get(persona, 0))
        assert summary.loc[persona, "customers"] == customers, persona
        revenue = sum(grouped.get_group(persona).lifetime_net_revenue, Decimal("0.00")) if customers else Decimal("0.00")
        assert money(summary.loc[persona, "revenue"]) == revenue, persona
    assert money(summary.revenue.sum()) == sum(valid[valid.day <= as_of].net_revenue, Decimal("0.00"))

    # the cut points: customers per score and the values they span
    thresholds = workspace.query("select * from marts.rfm_thresholds")
    for dimension, column in (("recency", "recency_days"), ("frequency", "frequency"), ("monetary", "monetary")):
        rows = thresholds[thresholds.dimension == dimension].set_index("score")
        counts = expected.groupby(f"{dimension}_score").size()
        assert {int(score): int(n) for score, n in rows.customers.items() if n} == {int(s): int(n) for s, n in counts.items()}
        spans = expected.groupby(f"{dimension}_score")[column].agg(["min", "max"])
        for score, span in spans.iterrows():
            assert money(rows.loc[score, "min_value"]) == money(span["min"]), (dimension, score)
            assert money(rows.loc[score, "max_value"]) == money(span["max"]), (dimension, score)


# What the history test builds: the history tables, the movement marts and
# what they read (the segments and insights after them play no part).
HISTORY_MODELS = "+rfm_scores_history +erfm_scores_history +persona_movement +persona_population_change +opportunity_movement"


STARTING_CONTACTS = (
    "select contact_id, opportunity_group from marts.opportunity_movement_contacts where period_end = 'start'"
)


def contacts_corrected_across(workspace: Workspace, day: dt.date) -> set[str]:
    """Contacts with an event or order version dated on or before `day` that a version dated after it replaced
    in the latest build: as of `day`, the older version was the one in effect."""
    versions = {"events": ("base_tracking__events_validated", "event_id", "occurred_date"),
                "orders": ("base_shop__orders_validated", "order_id", "ordered_date")}  # fmt: skip
    corrected: set[str] = set()
    for table, key, date in versions.values():
        corrected |= set(workspace.query(
            f"select kept.contact_id from staging.{table} as kept inner join staging.{table} as older using ({key}) "
            f"where kept.rejection_reason is null and older.rejection_reason = 'duplicate_key' "
            f"and older.{date} <= '{day}' and kept.{date} > '{day}'"
        ).contact_id)  # fmt: skip
    return corrected


def test_history_backfill_equals_single_date_builds_and_feeds_movement(
    make_workspace: Callable[[str], Workspace],
) -> None:
    dates = [dt.date(2026, 6, 30), dt.date(2026, 4, 30), dt.date(2026, 5, 31)]  # out of order on purpose
    backfill = make_workspace("backfill")
    backfill.generate(*GENERATE, "--bad-row-rate", "0.003")
    assert backfill.dbt("seed").ok
    for day in dates:
        run = backfill.dbt("run", vars={"as_of_date": day.isoformat()}, select=HISTORY_MODELS)
        assert run.ok, run.output[-4000:]
    history = backfill.query("select * from marts.rfm_scores_history order by as_of_date, contact_id")
    erfm_history = backfill.query("select * from marts.erfm_scores_history order by as_of_date, contact_id")
    assert sorted(erfm_history.as_of_date.dt.date.unique()) == sorted(dates)
    assert sorted(history.as_of_date.dt.date.unique()) == sorted(dates)

    # each date's rows are that date's scores, from the definitions
    references = {day: expected_rfm_scores(valid_orders(backfill.raw, as_of=day), day) for day in dates}
    for day in dates:
        actual = built_scores(backfill, "marts.rfm_scores_history", f"as_of_date = '{day}'")
        assert_scores_equal(actual, references[day], SCORE_COLUMNS[:12])

    # rebuilding one date replaces its rows only: the table is unchanged
    assert backfill.dbt("run", vars={"as_of_date": dates[2].isoformat()}, select=HISTORY_MODELS).ok
    rebuilt = backfill.query("select * from marts.rfm_scores_history order by as_of_date, contact_id")
    pd.testing.assert_frame_equal(rebuilt, history)
    erfm_rebuilt = backfill.query("select * from marts.erfm_scores_history order by as_of_date, contact_id")
    pd.testing.assert_frame_equal(erfm_rebuilt, erfm_history)

    # a date built alone in a fresh warehouse gives the same rows
    alone = make_workspace("alone")
    shutil.copytree(backfill.raw, alone.raw, dirs_exist_ok=True)
    alone.build(vars={"as_of_date": dates[2].isoformat()}, select=HISTORY_MODELS)
    alone_rows = alone.query("select * from marts.rfm_scores_history order by as_of_date, contact_id")
    pd.testing.assert_frame_equal(
        alone_rows, history[history.as_of_date.dt.date == dates[2]].reset_index(drop=True), check_dtype=False
    )
    assert alone.query("select start_scores_source from marts.persona_movement limit 1").iat[0, 0] == "computed"
    erfm_alone = alone.query("select * from marts.erfm_scores_history order by as_of_date, contact_id")
    pd.testing.assert_frame_equal(
        erfm_alone, erfm_history[erfm_history.as_of_date.dt.date == dates[2]].reset_index(drop=True), check_dtype=False
    )

    # persona movement between two dates: read from the history in one
    # warehouse, computed in the other, and equal to the reference either way
    movement_vars = {
        "as_of_date": dates[0].isoformat(),
        "movement_start_date": dates[1].isoformat(),
        "movement_end_date": dates[2].isoformat(),
    }
    assert backfill.dbt("run", vars=movement_vars, select=HISTORY_MODELS).ok
    assert alone.dbt("run", vars=movement_vars, select=HISTORY_MODELS).ok
    from_history = backfill.query("select * from marts.persona_movement order by from_persona, to_persona")
    computed = alone.query("select * from marts.persona_movement order by from_persona, to_persona")
    assert set(from_history.start_scores_source) == {"history"} and set(from_history.end_scores_source) == {"history"}
    assert set(computed.start_scores_source) == {"computed"}
    columns = ["from_persona", "to_persona", "customers", "pct_of_from_persona"]
    pd.testing.assert_frame_equal(from_history[columns], computed[columns])
    groups_from_history = backfill.query("select * from marts.opportunity_movement order by from_group, to_group")
    groups_computed = alone.query("select * from marts.opportunity_movement order by from_group, to_group")
    assert set(groups_from_history.start_scores_source) == {"history"}
    assert set(groups_computed.start_scores_source) == {"computed"}
    # The history holds each date as its own build saw it; a computed date uses the versions in effect on the
    # build's as-of date (docs/scoring.md). They may differ only for a contact with an event or order corrected
    # across the start date, and where none is, the movement is the same.
    start = backfill.query(STARTING_CONTACTS).set_index("contact_id").opportunity_group.fillna("-")
    start_computed = alone.query(STARTING_CONTACTS).set_index("contact_id").opportunity_group.fillna("-")
    both = pd.concat([start.rename("history"), start_computed.rename("computed")], axis=1)
    differing = set(both[both.history.ne(both.computed)].index)
    corrected = contacts_corrected_across(alone, dates[1])
    assert differing <= corrected, sorted(differing - corrected)
    group_columns = ["from_group", "to_group", "contacts", "pct_of_from_group"]
    if not differing:
        pd.testing.assert_frame_equal(groups_from_history[group_columns], groups_computed[group_columns])
    else:
        moved = (groups_from_history.contacts - groups_computed.contacts).abs()
        assert groups_from_history.contacts.sum() == groups_computed.contacts.sum() and 0 < moved.sum() <= 2 * len(differing)
    assert groups_from_history.contacts.sum() == len(erfm_history[erfm_history.as_of_date.dt.date == dates[2]])

    start, end = references[dates[1]].persona, references[dates[2]].persona
    moves = pd.DataFrame({"to": end, "from": start.reindex(end.index).fillna("New customers")})
    expected_moves = moves.groupby(["from", "to"]).size()
    got = from_history[from_history.customers > 0].set_index(["from_persona", "to_persona"]).customers
    assert {key: int(n) for key, n in got.items()} == {key: int(n) for key, n in expected_moves.items()}
    assert expected_moves.get("New customers", pd.Series(dtype=int)).sum() > 0, "some customers are new in the period"
    population = backfill.query("select * from marts.persona_population_change").set_index("persona")
    for persona, row in population.iterrows():
        assert row.start_customers == int((start == persona).sum()), persona
        assert row.end_customers == int((end == persona).sum()), persona


def test_persona_rules_that_leave_combinations_uncovered_stop_the_build(workspace: Workspace) -> None:
    workspace.generate("--contacts", "200", "--orders", "600", "--events", "500", "--end-date", "2026-06-30")
    # the check and what it reads (a whole build stops at the same test; the rest is skipped)
    result = workspace.dbt("build", "--indirect-selection", "cautious", *NO_UNIT_TESTS, select="+int_customers_rfm_personas",
                           vars={"as_of_date": "2026-06-30", "rfm_recency_bins": 4})
    assert not result.ok
    assert "int_rfm_persona_rule_problems found 9 problem(s)" in result.output
    assert "rfm_personas_standard: score combination R=4, F+M=2 is covered by no persona" in result.output
    assert "rfm_personas_standard: score combination R=4, F+M=10 is covered by no persona" in result.output


def test_threshold_seed_with_a_gap_stops_the_build_naming_the_dimension(tmp_path_factory: pytest.TempPathFactory) -> None:
    # a copy of the project whose thresholds seed has a gap in monetary
    project = copy_dbt_project(tmp_path_factory.mktemp("project"))
    seed = project / "seeds/rfm_score_thresholds.csv"
    seed.write_text(seed.read_text().replace("standard,monetary,3,150,400", "standard,monetary,3,160,400"))
    workspace = Workspace(tmp_path_factory.mktemp("gap"), project=project)
    workspace.generate("--contacts", "200", "--orders", "600", "--events", "500", "--end-date", "2026-06-30")
    result = workspace.dbt(
        "build", "--indirect-selection", "cautious", *NO_UNIT_TESTS, select="+int_customers_rfm_scored",
        vars={"as_of_date": "2026-06-30", "rfm_scoring_method": "thresholds"},
    )
    output = result.output
    assert not result.ok
    assert "ERROR=1 " in output, "the check is the only failure: " + output[-3000:]
    assert (
        "rfm_score_thresholds, scheme 'standard', dimension 'monetary': gap: no bucket holds values from 150.00 up to 160.00"
        in output
    ), output[-3000:]
