"""The benchmark's peers: the RFM and engagement scoring stages computed by the
tools a user might pick instead of the project (pandas, Polars, one direct
DuckDB query), from the same inputs the project's stage reads, and compared
with what the build wrote, row for row.

Each peer is written from the documented definitions (docs/scoring.md), not
from the models' SQL:
- RFM, for every date the build scores: per customer the valid orders on or
  before the date; recency = days since the last one, frequency = their
  count, monetary = their net revenue; each dimension's score is
  1 + floor(bins × (rank − 1) / customers) with rank() from the worst value;
  the persona is the rule that holds (R, F + M). Money is compared in cents.
- Engagement, for every scored date: each valid event of a weighted type that
  meets the type's minimum duration and is not a machine open adds
  weight × (window − age in days) when 0 ≤ age < window; each existing
  contact's level is 0 without points, else 1 + floor(levels × (rank − 1) /
  engaged contacts) with rank() from the fewest points.

The stage's inputs are read once into memory; a peer's time is its
computation on them (the direct DuckDB query reads the warehouse's tables
itself). The project's time is its stage models' own execution time in the
build (run_results.json). Supports the default scoring configuration:
quantile RFM without a lookback window, quantile engagement levels, machine
opens excluded.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl

# The project's models of each stage: from the valid orders (events) to the
# scores of every date the build scores. Views cost no time of their own.
RFM_STAGE = ("int_customers_rfm_measured", "int_customers_rfm_scored", "int_customers_rfm_personas", "rfm_scores")
ENGAGEMENT_STAGE = ("int_contact_event_days", "int_contacts_engagement_scored")

RFM_COLUMNS = [
    "as_of_date",
    "contact_id",
    "recency_days",
    "frequency",
    "monetary_cents",
    "average_order_value_cents",
    "lifetime_valid_orders",
    "lifetime_net_revenue_cents",
    "recency_score",
    "frequency_score",
    "monetary_score",
    "rfm_code",
    "fm_score",
    "persona",
    "persona_rank",
    "lifecycle_stage",
]
ENGAGEMENT_COLUMNS = ["as_of_date", "contact_id", "engagement_points", "scoring_events_in_window", "engagement_level_rank"]


class PeerMismatch(AssertionError):
    """A peer's result differs from the project's: names the table, key and column."""


@dataclass
class Inputs:
    orders: pd.DataFrame  # contact_id, ordered_date, cents (valid orders)
    events: pd.DataFrame  # contact_id, event_date, event_type, is_machine_open, duration_seconds (valid events of known contacts)
    score_dates: list[dt.date]
    engagement_dates: list[dt.date]  # the score dates engagement is scored on (not the backtest's cutoff alone)
    as_of_date: dt.date
    bins: dict[str, int]
    rules: pd.DataFrame  # persona, persona_rank, lifecycle_stage, recency/fm score ranges
    contacts: pd.DataFrame  # as_of_date, contact_id: the contacts existing on each scored date
    weights: pd.DataFrame  # event_type, weight, min_duration_seconds
    levels: int
    window_days: int


def read_inputs(connection: duckdb.DuckDBPyConnection) -> tuple[Inputs, float]:
    """The stage inputs as the build left them; returns them and the seconds the reading took."""
    started = time.perf_counter()

    def frame(sql: str) -> pd.DataFrame:
        # through Arrow: a third of the memory of .df() for the 100M events (dates as datetime64)
        return connection.sql(sql).to_arrow_table().to_pandas(date_as_object=False)

    settings = frame("select distinct scoring_method from intermediate.int_customers_rfm_personas").scoring_method.tolist()
    if settings not in ([], ["quantile"]):
        raise SystemExit(f"peers: the build scored RFM by {settings}; the peers compare the default (quantile) scoring")
    windows = frame("select distinct decision_window_days from intermediate.int_contacts_engagement_scored").decision_window_days
    dates = frame(
        "select as_of_date, is_build_as_of_date, is_engagement_date from intermediate.int_score_dates order by as_of_date"
    )
    inputs = Inputs(
        orders=frame(
            "select contact_id, ordered_date, cast(round(net_revenue * 100) as bigint) as cents "
            "from intermediate.int_orders_enriched where is_valid_order"
        ),
        events=frame(
            "select contact_id, occurred_date as event_date, event_type, is_machine_open, "
            "cast(duration_seconds as double) as duration_seconds "
            "from staging.stg_tracking__events where contact_id is not null"
        ),
        score_dates=list(dates.as_of_date.dt.date),
        engagement_dates=list(dates[dates.is_engagement_date].as_of_date.dt.date),
        as_of_date=dates[dates.is_build_as_of_date].as_of_date.dt.date.iloc[0],
        bins=dict(frame("select dimension, bins from intermediate.int_rfm_score_bins").itertuples(index=False)),
        rules=frame(
            "select persona, persona_rank, lifecycle_stage, recency_score_min, recency_score_max, fm_score_min, fm_score_max "
            "from intermediate.int_rfm_persona_rules"
        ),
        contacts=frame(
            "select c.as_of_date, c.contact_id from intermediate.int_score_date_contacts as c"
            " inner join intermediate.int_score_dates as d on c.as_of_date = d.as_of_date where d.is_engagement_date"
        ),
        weights=frame("select event_type, weight, min_duration_seconds from seeds.event_types where weight is not null"),
        levels=int(frame("select max(engagement_level_rank) as levels from seeds.engagement_levels").levels.iloc[0]),
        window_days=int(windows.iloc[0]) if len(windows) else 30,
    )
    return inputs, time.perf_counter() - started


def _persona_lookup(rules: pd.DataFrame, bins: dict[str, int]) -> pd.DataFrame:
    """One row per (recency_score, fm_score) the scores can take, with its persona."""
    rows = []
    for rule in rules.itertuples(index=False):
        for recency in range(int(rule.recency_score_min), int(rule.recency_score_max) + 1):
            for fm in range(int(rule.fm_score_min), int(rule.fm_score_max) + 1):
                rows.append((recency, fm, rule.persona, int(rule.persona_rank), rule.lifecycle_stage))
    lookup = pd.DataFrame(rows, columns=["recency_score", "fm_score", "persona", "persona_rank", "lifecycle_stage"])
    return lookup[(lookup.recency_score <= bins["recency"]) & (lookup.fm_score <= bins["frequency"] + bins["monetary"])]


def _half_up_cents(cents: pd.Series | pl.Expr, count: pd.Series | pl.Expr) -> pd.Series | pl.Expr:
    """cents / count rounded half up, for positive amounts (money_ratio)."""
    return (2 * cents + count) // (2 * count)


# --- pandas -----------------------------------------------------------------


def rfm_pandas(inputs: Inputs) -> pd.DataFrame:
    lookup = _persona_lookup(inputs.rules, inputs.bins)
    orders = inputs.orders
    frames = []
    for day in inputs.score_dates:
        upto = orders[orders.ordered_date <= pd.Timestamp(day)]
        grouped = upto.groupby("contact_id", sort=False).agg(
            last=("ordered_date", "max"), frequency=("cents", "size"), monetary_cents=("cents", "sum")
        )
        customers = len(grouped)
        scored = pd.DataFrame(
            {
                "as_of_date": day,
                "contact_id": grouped.index,
                "recency_days": (pd.Timestamp(day) - grouped["last"]).dt.days.to_numpy(),
                "frequency": grouped.frequency.to_numpy(),
                "monetary_cents": grouped.monetary_cents.to_numpy(),
            }
        )
        for dimension, column, ascending in (
            ("recency", "recency_days", False),
            ("frequency", "frequency", True),
            ("monetary", "monetary_cents", True),
        ):
            rank = scored[column].rank(method="min", ascending=ascending).astype("int64")
            scored[f"{dimension}_score"] = 1 + (inputs.bins[dimension] * (rank - 1)) // customers
        frames.append(scored)
    result = pd.concat(frames, ignore_index=True)
    result["average_order_value_cents"] = _half_up_cents(result.monetary_cents, result.frequency)
    result["lifetime_valid_orders"] = result.frequency
    result["lifetime_net_revenue_cents"] = result.monetary_cents
    result["rfm_code"] = result.recency_score.astype(str) + result.frequency_score.astype(str) + result.monetary_score.astype(str)
    result["fm_score"] = result.frequency_score + result.monetary_score
    result = result.merge(lookup, on=["recency_score", "fm_score"], how="left")
    return result[RFM_COLUMNS]


def engagement_pandas(inputs: Inputs) -> pd.DataFrame:
    events = inputs.events
    weights = inputs.weights.set_index("event_type")
    types = events.event_type.astype("category")  # a few types: map them, not 100M strings
    weight = types.map(weights.weight.to_dict()).astype("float64")
    minimum = types.map(weights.min_duration_seconds.to_dict()).astype("float64")
    scores = weight.notna() & (minimum.isna() | (events.duration_seconds >= minimum)) & ~events.is_machine_open.astype(bool)
    scoring = pd.DataFrame(
        {"contact_id": events.contact_id[scores], "event_date": events.event_date[scores], "weight": weight[scores]}
    )
    frames = []
    for day in inputs.engagement_dates:
        timestamp = pd.Timestamp(day)
        window = scoring[
            (scoring.event_date <= timestamp) & (scoring.event_date > timestamp - pd.Timedelta(days=inputs.window_days))
        ]
        age = (timestamp - window.event_date).dt.days
        points = (window.weight * (inputs.window_days - age)).groupby(window.contact_id).sum()
        counts = window.groupby("contact_id").size()
        contacts = inputs.contacts[inputs.contacts.as_of_date == timestamp].contact_id
        day_frame = pd.DataFrame({"as_of_date": day, "contact_id": contacts.to_numpy()})
        day_frame["engagement_points"] = day_frame.contact_id.map(points).fillna(0).astype("int64")
        day_frame["scoring_events_in_window"] = day_frame.contact_id.map(counts).fillna(0).astype("int64")
        engaged = day_frame.engagement_points > 0
        rank = day_frame.engagement_points[engaged].rank(method="min").astype("int64")
        day_frame["engagement_level_rank"] = 0
        day_frame.loc[engaged, "engagement_level_rank"] = 1 + (inputs.levels * (rank - 1)) // int(engaged.sum())
        frames.append(day_frame)
    return pd.concat(frames, ignore_index=True)[ENGAGEMENT_COLUMNS]


# --- Polars -----------------------------------------------------------------


def rfm_polars(inputs: Inputs, orders: pl.DataFrame) -> pl.DataFrame:
    lookup = pl.from_pandas(_persona_lookup(inputs.rules, inputs.bins)).with_columns(
        pl.col("recency_score", "fm_score").cast(pl.Int64)
    )
    measured = (
        pl.concat(
            [
                orders.lazy().filter(pl.col("ordered_date") <= day).with_columns(pl.lit(day).alias("as_of_date"))
                for day in inputs.score_dates
            ]
        )
        .group_by("as_of_date", "contact_id")
        .agg(
            pl.col("ordered_date").max().alias("last"),
            pl.len().cast(pl.Int64).alias("frequency"),
            pl.col("cents").sum().alias("monetary_cents"),
        )
        .with_columns((pl.col("as_of_date") - pl.col("last")).dt.total_days().alias("recency_days"))
        .collect()
    )
    customers = pl.len().over("as_of_date")
    score = lambda column, dimension, descending: (  # noqa: E731
        1
        + (inputs.bins[dimension] * (pl.col(column).rank("min", descending=descending).over("as_of_date").cast(pl.Int64) - 1))
        // customers
    ).alias(f"{dimension}_score")
    return (
        measured.with_columns(
            score("recency_days", "recency", True),
            score("frequency", "frequency", False),
            score("monetary_cents", "monetary", False),
        )
        .with_columns(
            _half_up_cents(pl.col("monetary_cents"), pl.col("frequency")).alias("average_order_value_cents"),
            pl.col("frequency").alias("lifetime_valid_orders"),
            pl.col("monetary_cents").alias("lifetime_net_revenue_cents"),
            pl.concat_str("recency_score", "frequency_score", "monetary_score").alias("rfm_code"),
            (pl.col("frequency_score") + pl.col("monetary_score")).alias("fm_score"),
        )
        .join(lookup, on=["recency_score", "fm_score"], how="left")
        .select(RFM_COLUMNS)
    )


def engagement_polars(inputs: Inputs, events: pl.DataFrame, contacts: pl.DataFrame) -> pl.DataFrame:
    weights = pl.from_pandas(inputs.weights).with_columns(pl.col("weight").cast(pl.Int64))
    window = inputs.window_days
    scoring = (
        events.lazy()
        .join(weights.lazy(), on="event_type")
        .filter(
            (pl.col("min_duration_seconds").is_null() | (pl.col("duration_seconds") >= pl.col("min_duration_seconds")))
            & ~pl.col("is_machine_open").fill_null(False)
        )
    )
    points = (
        pl.concat(
            [
                scoring.filter(
                    (pl.col("event_date") <= day) & (pl.col("event_date") > day - dt.timedelta(days=window))
                ).with_columns(pl.lit(day).alias("as_of_date"), (pl.lit(day) - pl.col("event_date")).dt.total_days().alias("age"))
                for day in inputs.engagement_dates
            ]
        )
        .group_by("as_of_date", "contact_id")
        .agg(
            (pl.col("weight") * (window - pl.col("age"))).sum().alias("engagement_points"),
            pl.len().cast(pl.Int64).alias("scoring_events_in_window"),
        )
        .collect()
    )
    scored = contacts.join(points, on=["as_of_date", "contact_id"], how="left").with_columns(
        pl.col("engagement_points", "scoring_events_in_window").fill_null(0)
    )
    engaged = pl.col("engagement_points") > 0
    rank = pl.when(engaged).then(pl.col("engagement_points")).rank("min").over("as_of_date").cast(pl.Int64)
    count = engaged.sum().over("as_of_date")
    return scored.with_columns(
        pl.when(engaged).then(1 + (inputs.levels * (rank - 1)) // count).otherwise(0).alias("engagement_level_rank")
    ).select(ENGAGEMENT_COLUMNS)


# --- one DuckDB query ------------------------------------------------------

RFM_QUERY = """
with measured as (
    select d.as_of_date, o.contact_id,
        max(o.ordered_date) as last_day, count(*) as frequency,
        cast(round(sum(o.net_revenue) * 100) as bigint) as monetary_cents
    from intermediate.int_score_dates as d
    join intermediate.int_orders_enriched as o on o.ordered_date <= d.as_of_date
    where o.is_valid_order
    group by all
),
ranked as (
    select *, date_diff('day', last_day, as_of_date) as recency_days,
        count(*) over w as customers,
        rank() over (w order by last_day asc) as recency_rank,
        rank() over (w order by frequency) as frequency_rank,
        rank() over (w order by monetary_cents) as monetary_rank
    from measured
    window w as (partition by as_of_date)
),
scored as (
    select as_of_date, contact_id, recency_days, frequency, monetary_cents,
        (2 * monetary_cents + frequency) // (2 * frequency) as average_order_value_cents,
        frequency as lifetime_valid_orders, monetary_cents as lifetime_net_revenue_cents,
        1 + (r.bins * (recency_rank - 1)) // customers as recency_score,
        1 + (f.bins * (frequency_rank - 1)) // customers as frequency_score,
        1 + (m.bins * (monetary_rank - 1)) // customers as monetary_score
    from ranked, intermediate.int_rfm_score_bins as r, intermediate.int_rfm_score_bins as f,
        intermediate.int_rfm_score_bins as m
    where r.dimension = 'recency' and f.dimension = 'frequency' and m.dimension = 'monetary'
)
select s.*, concat(recency_score, frequency_score, monetary_score) as rfm_code,
    frequency_score + monetary_score as fm_score, p.persona, p.persona_rank, p.lifecycle_stage
from scored as s
left join intermediate.int_rfm_persona_rules as p
    on s.recency_score between p.recency_score_min and p.recency_score_max
    and s.frequency_score + s.monetary_score between p.fm_score_min and p.fm_score_max
"""

ENGAGEMENT_QUERY = """
with points as (
    select d.as_of_date, e.contact_id,
        sum(w.weight * ({window} - date_diff('day', e.occurred_date, d.as_of_date))) as engagement_points,
        count(*) as scoring_events_in_window
    from (select * from intermediate.int_score_dates where is_engagement_date) as d
    join staging.stg_tracking__events as e
        on e.occurred_date <= d.as_of_date and e.occurred_date > d.as_of_date - {window}
    join seeds.event_types as w on e.event_type = w.event_type
    where e.contact_id is not null and w.weight is not null
        and (w.min_duration_seconds is null or e.duration_seconds >= w.min_duration_seconds)
        and not coalesce(e.is_machine_open, false)
    group by all
),
scored as (
    select c.as_of_date, c.contact_id, coalesce(p.engagement_points, 0) as engagement_points,
        coalesce(p.scoring_events_in_window, 0) as scoring_events_in_window
    from intermediate.int_score_date_contacts as c
    semi join (select as_of_date from intermediate.int_score_dates where is_engagement_date) as d using (as_of_date)
    left join points as p using (as_of_date, contact_id)
)
select *, case when engagement_points = 0 then 0 else
    1 + ({levels} * (rank() over (partition by as_of_date, engagement_points > 0 order by engagement_points) - 1))
        // count(*) over (partition by as_of_date, engagement_points > 0) end as engagement_level_rank
from scored
"""


# --- the project's results and the comparison ---------------------------


def project_rfm(connection: duckdb.DuckDBPyConnection, table: str = "intermediate.int_customers_rfm_personas") -> pd.DataFrame:
    """The project's RFM scores in RFM_COLUMNS (money in cents): every scored date from
    int_customers_rfm_personas, or the as-of date's from the mart (marts.rfm_scores)."""
    return connection.sql(
        f"""
        select as_of_date, contact_id, recency_days, frequency,
            cast(round(monetary * 100) as bigint) as monetary_cents,
            cast(round(average_order_value * 100) as bigint) as average_order_value_cents,
            lifetime_valid_orders,
            cast(round(lifetime_net_revenue * 100) as bigint) as lifetime_net_revenue_cents,
            recency_score, frequency_score, monetary_score, rfm_code, fm_score, persona, persona_rank, lifecycle_stage
        from {table}
        """
    ).df()


def project_engagement(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return connection.sql(f"select {', '.join(ENGAGEMENT_COLUMNS)} from intermediate.int_contacts_engagement_scored").df()


def project_engagement_mart(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """erfm_scores, the mart: points and level of the as-of date (the level by name there)."""
    return connection.sql(
        """
        select s.as_of_date, s.contact_id, s.engagement_points, l.engagement_level_rank
        from marts.erfm_scores as s
        join seeds.engagement_levels as l using (engagement_level)
        """
    ).df()


def _canonical(frame: pd.DataFrame | pl.DataFrame, columns: list[str]) -> pd.DataFrame:
    if isinstance(frame, pl.DataFrame):
        frame = frame.to_pandas()
    frame = frame[columns].copy()
    frame["as_of_date"] = pd.to_datetime(frame.as_of_date).dt.date
    for column in columns:
        if column not in ("as_of_date", "contact_id") and frame[column].dtype.kind in "iufb":
            frame[column] = frame[column].astype("int64")
        elif frame[column].dtype.kind not in "iufb" and column != "as_of_date":
            frame[column] = frame[column].astype(object)
    return frame.sort_values(["as_of_date", "contact_id"]).reset_index(drop=True)


def assert_same(name: str, table: str, expected: pd.DataFrame, actual: pd.DataFrame | pl.DataFrame, columns: list[str]) -> int:
    """Row for row equality of `actual` (a peer) and `expected` (the project's table); returns the rows compared."""
    expected = _canonical(expected, columns)
    actual = _canonical(actual, columns)
    if len(expected) != len(actual):
        raise PeerMismatch(f"{name}: {len(actual)} rows, {table} has {len(expected)}")
    keys_differ = (expected.as_of_date != actual.as_of_date) | (expected.contact_id != actual.contact_id)
    if keys_differ.any():
        row = keys_differ.idxmax()
        raise PeerMismatch(
            f"{name}: row {row} is ({actual.as_of_date[row]}, {actual.contact_id[row]}), "
            f"{table} has ({expected.as_of_date[row]}, {expected.contact_id[row]})"
        )
    for column in columns[2:]:
        differ = expected[column].ne(actual[column]) & ~(expected[column].isna() & actual[column].isna())
        if differ.any():
            row = differ.idxmax()
            raise PeerMismatch(
                f"{name}: {table} ({expected.as_of_date[row]}, {expected.contact_id[row]}) column {column}: "
                f"{table} has {expected[column][row]!r}, {name} gives {actual[column][row]!r}"
            )
    return len(expected)


def _timed(function: Callable[[], object]) -> tuple[object, float]:
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started


def stage_seconds(run_results: Path, models: tuple[str, ...]) -> float:
    results = json.loads(run_results.read_text(encoding="utf-8"))["results"]
    return sum(
        result["execution_time"]
        for result in results
        if result["unique_id"].startswith("model.") and result["unique_id"].split(".")[-1] in models
    )


def compare(database: Path, run_results: Path | None) -> dict[str, object]:
    """Runs every peer on the built warehouse, checks each equals the project's
    tables (PeerMismatch otherwise) and returns the times: {stage: {project,
    pandas, polars, duckdb, rows, score_dates}}; project is the stage's time in
    the build whose run_results.json is given (None without one)."""
    with duckdb.connect(str(database), read_only=True) as connection:
        connection.execute("set enable_progress_bar = false")
        inputs, read_seconds = read_inputs(connection)
        rfm_expected = project_rfm(connection)
        rfm_mart = project_rfm(connection, "marts.rfm_scores")
        engagement_expected = project_engagement(connection)
        engagement_mart = project_engagement_mart(connection)
        orders_pl, events_pl, contacts_pl = (
            pl.from_pandas(inputs.orders).with_columns(pl.col("ordered_date").cast(pl.Date)),
            pl.from_pandas(inputs.events).with_columns(pl.col("event_date").cast(pl.Date)),
            pl.from_pandas(inputs.contacts).with_columns(pl.col("as_of_date").cast(pl.Date)),
        )
        inputs.weights["min_duration_seconds"] = inputs.weights.min_duration_seconds.astype("float64")
        results: dict[str, object] = {"inputs_read_seconds": round(read_seconds, 2)}
        for stage, models, table, expected, mart, mart_columns, peers in (
            (
                "rfm",
                RFM_STAGE,
                "int_customers_rfm_personas",
                rfm_expected,
                rfm_mart,
                RFM_COLUMNS,
                {
                    "pandas": lambda: rfm_pandas(inputs),
                    "polars": lambda: rfm_polars(inputs, orders_pl),
                    "duckdb": lambda: connection.sql(RFM_QUERY).arrow(),
                },
            ),
            (
                "engagement",
                ENGAGEMENT_STAGE,
                "int_contacts_engagement_scored",
                engagement_expected,
                engagement_mart,
                ["as_of_date", "contact_id", "engagement_points", "engagement_level_rank"],
                {
                    "pandas": lambda: engagement_pandas(inputs),
                    "polars": lambda: engagement_polars(inputs, events_pl, contacts_pl),
                    "duckdb": lambda: connection.sql(
                        ENGAGEMENT_QUERY.format(window=inputs.window_days, levels=inputs.levels)
                    ).arrow(),
                },
            ),
        ):
            columns = RFM_COLUMNS if stage == "rfm" else ENGAGEMENT_COLUMNS
            figures: dict[str, object] = {"project": round(stage_seconds(run_results, models), 2) if run_results else None}
            for name, peer in peers.items():
                result, seconds = _timed(peer)
                frame = result if isinstance(result, pd.DataFrame | pl.DataFrame) else pl.from_arrow(result)
                rows = assert_same(name, table, expected, frame, columns)
                as_of_slice = _canonical(frame, columns)
                as_of_slice = as_of_slice[as_of_slice.as_of_date == inputs.as_of_date]
                assert_same(name, "marts." + ("rfm_scores" if stage == "rfm" else "erfm_scores"), mart, as_of_slice, mart_columns)
                figures[name] = round(seconds, 2)
                figures["rows"] = rows
            figures["score_dates"] = len(inputs.score_dates if stage == "rfm" else inputs.engagement_dates)
            results[stage] = figures
    return results
