"""An independent computation of the documented definitions, in pandas, from
the raw files: which rows are clean, and each contact's valid-order history as
of a date. It shares no code with the dbt models; the tests require the two to
agree exactly on generated data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd

PROJECT_DIR = Path(__file__).resolve().parent.parent
# The enumerations the project keeps in seeds (the configuration, read as
# a user would edit it; the rules below are written independently).
SEEDS = PROJECT_DIR / "seeds"
CONTACT_STATUSES = set(pd.read_csv(SEEDS / "subscription_statuses.csv").subscription_status)
ORDER_STATUSES = {"completed", "cancelled", "refunded"}
CHANNELS = {"web", "app", "store", "marketplace", "phone"}
EVENT_TYPES = set(pd.read_csv(SEEDS / "event_types.csv").event_type)
TRAFFIC = {"utm", "referral", "search", "advert", "email", "direct"}
TRUE_WORDS = {"true", "t", "1", "yes", "y"}
BOOLEANS = TRUE_WORDS | {"false", "f", "0", "no", "n"}


def read(raw: Path, entity: str) -> pd.DataFrame:
    csv, parquet = raw / f"{entity}.csv", raw / f"{entity}.parquet"
    frame = pd.read_parquet(parquet) if parquet.exists() else pd.read_csv(csv, dtype=str, keep_default_na=False)
    frame = frame.astype(object).where(frame.notna(), None)
    return frame.map(lambda value: None if value is None or str(value).strip() == "" else str(value).strip())


def timestamps(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, utc=True, format="ISO8601", errors="coerce")


def numbers(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values, errors="coerce")


def unparseable(raw: pd.Series, parsed: pd.Series) -> pd.Series:
    return raw.notna() & parsed.isna()


def newest(frame: pd.DataFrame, key: str, by: str, as_of: dt.date | None = None, zone: str = "UTC") -> pd.DataFrame:
    """One row per key: the version in effect on the as-of date (docs/scoring.md "Time"):
    the newest dated on or before it (a day in `zone`); when every version is
    dated later, the earliest. Without an as-of date, the newest."""
    if as_of is None:
        return frame.sort_values(by, ascending=False, na_position="last", kind="stable").drop_duplicates(key, keep="first")
    day = frame[by].dt.tz_convert(zone).dt.date
    in_effect = day.notna() & (day <= as_of)
    ranked = frame.assign(
        _later=~in_effect,
        _before=frame[by].where(in_effect),
        _after=frame[by].where(~in_effect),
    )
    ranked = ranked.sort_values(
        ["_later", "_before", "_after"], ascending=[True, False, True], na_position="last", kind="stable"
    )
    return ranked.drop_duplicates(key, keep="first").drop(columns=["_later", "_before", "_after"])


def clean_contacts(raw: Path, now: pd.Timestamp, as_of: dt.date | None = None, zone: str = "UTC") -> pd.DataFrame:
    c = read(raw, "contacts")
    created, updated = timestamps(c.created_at), timestamps(c.updated_at)
    birth = pd.to_datetime(c.birth_date, format="%Y-%m-%d", errors="coerce")
    country = c.country_code.str.upper()
    status = c.subscription_status.str.lower()
    bad = (
        c.contact_id.isna()
        | c.created_at.isna()
        | c.subscription_status.isna()
        | unparseable(c.created_at, created)
        | unparseable(c.updated_at, updated)
        | unparseable(c.birth_date, birth)
        | ~status.isin(CONTACT_STATUSES)
        | (country.notna() & ~country.fillna("").str.fullmatch(r"[A-Z]{2}"))
        | (created > now)
        | (updated > now)
        | (birth > now.tz_localize(None))
    )
    good = c[~bad].assign(created=created[~bad], updated=updated[~bad])
    if as_of is None:
        return newest(good, "contact_id", "updated")
    return newest(good.assign(version=good.updated.fillna(good.created)), "contact_id", "version", as_of, zone)


def clean_orders(
    raw: Path,
    now: pd.Timestamp,
    contacts: set[str],
    rates: dict[str, Decimal],
    reporting: str,
    as_of: dt.date | None = None,
    zone: str = "UTC",
) -> pd.DataFrame:
    o = read(raw, "orders")
    ordered = timestamps(o.ordered_at)
    amounts = {name: numbers(o[name]) for name in ("total_amount", "discount_amount", "shipping_amount", "refunded_amount")}
    currency = o.currency.str.upper()
    bad = (
        o.order_id.isna()
        | o.contact_id.isna()
        | o.ordered_at.isna()
        | o.status.isna()
        | o.currency.isna()
        | o.total_amount.isna()
        | unparseable(o.ordered_at, ordered)
        | pd.concat([unparseable(o[name], parsed) for name, parsed in amounts.items()], axis=1).any(axis=1)
        | ~o.status.str.lower().isin(ORDER_STATUSES)
        | (o.channel.notna() & ~o.channel.fillna("").str.lower().isin(CHANNELS))
        | ~currency.isin(rates)
        | pd.concat([parsed < 0 for parsed in amounts.values()], axis=1).any(axis=1)
        | (amounts["refunded_amount"] > amounts["total_amount"])
        | (ordered > now)
        | ~o.contact_id.isin(contacts)
    )
    good = o[~bad].assign(ordered=ordered[~bad], status=o.status[~bad].str.lower(), currency=currency[~bad])
    good = newest(good, "order_id", "ordered", as_of, zone)

    def convert(amount: str | None, code: str) -> Decimal:
        # docs/raw-data.md: amount × rate(currency) / rate(reporting), rounded once, half away from zero
        value = Decimal(amount or "0")
        return (value * rates[code] / rates[reporting]).quantize(Decimal("0.01"), ROUND_HALF_UP)

    good["net_revenue"] = [
        convert(total, code) - convert(refunded, code)
        for total, refunded, code in zip(good.total_amount, good.refunded_amount, good.currency, strict=True)
    ]
    return good


def clean_event_days(raw: Path, now: pd.Timestamp, contacts: set[str], zone: str, as_of: dt.date | None = None) -> pd.DataFrame:
    e = read(raw, "events")
    occurred = timestamps(e.occurred_at)
    duration = numbers(e.duration_seconds)
    bad = (
        e.event_id.isna()
        | e.event_type.isna()
        | e.occurred_at.isna()
        | unparseable(e.occurred_at, occurred)
        | unparseable(e.duration_seconds, duration)
        | (e.is_machine_open.notna() & ~e.is_machine_open.fillna("").str.lower().isin(BOOLEANS))
        | ~e.event_type.str.lower().isin(EVENT_TYPES)
        | (e.traffic_source.notna() & ~e.traffic_source.fillna("").str.lower().isin(TRAFFIC))
        | (duration < 0)
        | (occurred > now)
        | (e.contact_id.notna() & ~e.contact_id.isin(contacts))
    )
    good = newest(e[~bad].assign(occurred=occurred[~bad], duration=duration[~bad]), "event_id", "occurred", as_of, zone)
    frame = pd.DataFrame(
        {
            "contact_id": good.contact_id,
            "day": good.occurred.dt.tz_convert(zone).dt.date,
            "event_type": good.event_type.str.lower(),
            "duration": good.duration,
            "is_machine_open": good.is_machine_open.map(lambda v: None if not isinstance(v, str) else v.lower() in TRUE_WORDS),
        }
    )
    return frame.dropna(subset=["contact_id", "day"])


def clean_data(
    raw: Path, zone: str = "UTC", reporting: str = "EUR", as_of: dt.date | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Clean contacts, clean orders (with `day` in the zone and net revenue in
    the reporting currency) and clean events of known contacts (contact, day,
    type, duration, machine-open flag); with `as_of`, each key's version in
    effect on that date."""
    now = pd.Timestamp.now(tz="UTC") + pd.Timedelta(days=1)
    rates_frame = pd.read_csv(PROJECT_DIR / "seeds/currency_rates.csv", dtype=str)
    rates = {
        code: Decimal(value) for code, value in zip(rates_frame.currency_code, rates_frame.value_in_base_currency, strict=True)
    }
    contacts = clean_contacts(raw, now, as_of, zone)
    known = set(contacts.contact_id)
    orders = clean_orders(raw, now, known, rates, reporting, as_of, zone)
    orders["day"] = orders.ordered.dt.tz_convert(zone).dt.date
    return contacts, orders, clean_event_days(raw, now, known, zone, as_of)


def valid_orders(raw: Path, zone: str = "UTC", reporting: str = "EUR", as_of: dt.date | None = None) -> pd.DataFrame:
    """Every valid order (completed, net revenue above zero): contact_id, day
    and net_revenue, each order in its version in effect on `as_of` (the
    newest without one). Filter by day for that as-of date."""
    _, orders, _ = clean_data(raw, zone, reporting, as_of)
    valid = orders[(orders.status == "completed") & (orders.net_revenue > 0)]
    return valid[["order_id", "contact_id", "day", "net_revenue"]].reset_index(drop=True)


def expected_dim_contacts(raw: Path, as_of: dt.date, zone: str = "UTC", reporting: str = "EUR") -> pd.DataFrame:
    """One row per contact existing as of the date: valid orders, net revenue,
    first and last valid order days, from the documented definitions (docs/)."""
    contacts, orders, events = clean_data(raw, zone, reporting, as_of)
    orders = orders[orders.day <= as_of]
    created = pd.DataFrame({"contact_id": contacts.contact_id, "day": contacts.created.dt.tz_convert(zone).dt.date})
    evidence = pd.concat([created, orders[["contact_id", "day"]], events])
    existing = set(evidence[evidence.day <= as_of].contact_id)
    valid = orders[(orders.status == "completed") & (orders.net_revenue > 0)]
    history = valid.groupby("contact_id").agg(
        valid_orders=("order_id", "size"),
        net_revenue=("net_revenue", "sum"),
        first_valid_order_date=("day", "min"),
        last_valid_order_date=("day", "max"),
    )
    result = pd.DataFrame(index=sorted(existing)).join(history)
    result["valid_orders"] = result.valid_orders.fillna(0).astype(int)
    result["net_revenue"] = [value if isinstance(value, Decimal) else Decimal("0.00") for value in result.net_revenue]
    result.index.name = "contact_id"
    return result


SCHEME_BINS = {
    "standard": {"recency": 3, "frequency": 5, "monetary": 5},
    "classic": {"recency": 5, "frequency": 5, "monetary": 5},
}
CENT = Decimal("0.01")


def _quantile_scores(values: pd.Series, bins: int, worst_first_ascending: bool) -> pd.Series:
    """1 + floor(bins × (rank − 1) / N), rank = SQL rank() from worst to best."""
    ordered = values if worst_first_ascending else -values
    ranks = ordered.rank(method="min").astype(int)
    customers = len(values)
    return ranks.map(lambda rank: 1 + (bins * (rank - 1)) // customers)


def _threshold_scores(values: pd.Series, buckets: pd.DataFrame) -> pd.Series:
    def score(value: Decimal) -> int:
        for row in buckets.itertuples():
            low = None if pd.isna(row.min_value) else Decimal(str(row.min_value))
            high = None if pd.isna(row.max_value) else Decimal(str(row.max_value))
            if (low is None or value >= low) and (high is None or value < high):
                return int(row.score)
        raise AssertionError(f"no bucket holds {value}")

    return values.map(lambda value: score(Decimal(str(value))))


def expected_rfm_scores(
    valid: pd.DataFrame,
    as_of: dt.date,
    method: str = "quantile",
    scheme: str = "standard",
    lookback_days: int | None = None,
) -> pd.DataFrame:
    """One row per customer as of the date, from the documented RFM definitions (docs/scoring.md):
    measures, scores, rfm_code, F + M and the persona of the scheme's seed."""
    orders = valid[valid.day <= as_of]
    window = orders if lookback_days is None else orders[orders.day > as_of - dt.timedelta(days=lookback_days)]
    last = orders.groupby("contact_id").day.max()
    result = pd.DataFrame(index=last.index.sort_values())
    result.index.name = "contact_id"
    result["recency_days"] = [(as_of - day).days for day in last.reindex(result.index)]
    result["frequency"] = window.groupby("contact_id").size().reindex(result.index).fillna(0).astype(int)
    sums = window.groupby("contact_id").net_revenue.sum()
    result["monetary"] = [sums.get(contact, Decimal("0.00")) for contact in result.index]
    result["average_order_value"] = [
        None if frequency == 0 else (monetary / frequency).quantize(CENT, ROUND_HALF_UP)
        for monetary, frequency in zip(result.monetary, result.frequency, strict=True)
    ]
    cents = result.monetary.map(lambda value: int(value * 100))
    if method == "quantile":
        bins = SCHEME_BINS[scheme]
        result["recency_score"] = _quantile_scores(result.recency_days, bins["recency"], worst_first_ascending=False)
        result["frequency_score"] = _quantile_scores(result.frequency, bins["frequency"], worst_first_ascending=True)
        result["monetary_score"] = _quantile_scores(cents, bins["monetary"], worst_first_ascending=True)
    else:
        thresholds = pd.read_csv(PROJECT_DIR / "seeds/rfm_score_thresholds.csv", dtype=str)
        thresholds = thresholds[thresholds.persona_scheme == scheme]
        for dimension, column in (("recency", "recency_days"), ("frequency", "frequency"), ("monetary", "monetary")):
            result[f"{dimension}_score"] = _threshold_scores(result[column], thresholds[thresholds.dimension == dimension])
    result["rfm_code"] = result.recency_score.astype(str) + result.frequency_score.astype(str) + result.monetary_score.astype(str)
    result["fm_score"] = result.frequency_score + result.monetary_score
    rules = pd.read_csv(PROJECT_DIR / f"seeds/rfm_personas_{scheme}.csv")

    def persona(recency: int, fm: int) -> tuple[str, int, str]:
        matches = rules[
            (rules.recency_score_min <= recency)
            & (recency <= rules.recency_score_max)
            & (rules.fm_score_min <= fm)
            & (fm <= rules.fm_score_max)
        ]
        assert len(matches) == 1, f"R={recency} F+M={fm} matches {len(matches)} rules"
        row = matches.iloc[0]
        return row.persona, int(row.persona_rank), row.lifecycle_stage

    personas = [persona(r, fm) for r, fm in zip(result.recency_score, result.fm_score, strict=True)]
    result["persona"] = [p[0] for p in personas]
    result["persona_rank"] = [p[1] for p in personas]
    result["lifecycle_stage"] = [p[2] for p in personas]
    result["lifetime_valid_orders"] = orders.groupby("contact_id").size().reindex(result.index).astype(int)
    lifetime = orders.groupby("contact_id").net_revenue.sum()
    result["lifetime_net_revenue"] = [lifetime[contact] for contact in result.index]
    return result


def expected_engagement(raw: Path, as_of: dt.date, window: int = 30, engaged_window: int = 90) -> pd.DataFrame:
    """One row per contact existing as of the date, from the documented
    engagement definitions: decayed score, level, persona, opportunity group
    and engaged status."""
    _, orders, events = clean_data(raw, as_of=as_of)
    existing = expected_dim_contacts(raw, as_of).index
    types = pd.read_csv(SEEDS / "event_types.csv")
    weights = types.dropna(subset=["weight"]).set_index("event_type")
    level_rows = pd.read_csv(SEEDS / "engagement_levels.csv")
    levels = dict(zip(level_rows.engagement_level_rank, level_rows.engagement_level, strict=True))
    bands = max(levels)
    events = events[events.day <= as_of].copy()
    events["age"] = [(as_of - day).days for day in events.day]

    def scores(row: pd.Series) -> bool:
        if row.event_type not in weights.index or row.age >= window:
            return False
        minimum = weights.loc[row.event_type, "min_duration_seconds"]
        if not pd.isna(minimum) and not (row.duration >= minimum):
            return False
        return row.is_machine_open is not True

    scoring = events[events.apply(scores, axis=1)] if len(events) else events
    contributions = [
        int(weights.loc[kind, "weight"]) * (window - age) for kind, age in zip(scoring.event_type, scoring.age, strict=True)
    ]
    points = scoring.assign(points=contributions).groupby("contact_id").points.sum()
    result = pd.DataFrame(index=existing)
    result["engagement_points"] = points.reindex(existing).fillna(0).astype(int)
    result["engagement_score"] = result.engagement_points / window
    engaged = result[result.engagement_points > 0]
    ranks = engaged.engagement_points.rank(method="min").astype(int)
    banded = ranks.map(lambda rank: 1 + (bands * (rank - 1)) // len(engaged))
    result["engagement_level"] = banded.reindex(existing).fillna(0).astype(int).map(levels)
    rfm = expected_rfm_scores(valid_orders(raw, as_of=as_of), as_of)
    result["persona"] = rfm.persona.reindex(existing).fillna("Non-customers")
    result["contact_type"] = ["Customer" if contact in rfm.index else "Non-customer" for contact in existing]
    result["purchase_phase"] = rfm.lifecycle_stage.reindex(existing)
    result["opportunity_group"] = [
        None if level == levels[0] else f"{level} {persona.lower()}"
        for level, persona in zip(result.engagement_level, result.persona, strict=True)
    ]
    # engaged status: events of the interaction types that are not machine opens, and valid orders
    machine = events.is_machine_open.map(lambda value: value is True)
    interacting = events[events.event_type.isin(set(types[types.is_interaction].event_type)) & ~machine][["contact_id", "day"]]
    valid = orders[(orders.status == "completed") & (orders.net_revenue > 0) & (orders.day <= as_of)][["contact_id", "day"]]
    interactions = pd.concat([interacting, valid])
    interactions["age"] = [(as_of - day).days for day in interactions.day]
    grouped = interactions.groupby("contact_id")
    result["last_interaction_date"] = grouped.day.max().reindex(existing)
    for days in (30, 60, 90):
        counts = interactions[interactions.age < days].groupby("contact_id").size()
        result[f"interactions_last_{days}_days"] = counts.reindex(existing).fillna(0).astype(int)
    in_window = interactions[interactions.age < engaged_window].groupby("contact_id").size()
    result["engagement_status"] = ["Engaged" if in_window.get(c, 0) > 0 else "Non-engaged" for c in existing]
    result.index.name = "contact_id"
    return result


def assert_dim_contacts_match(query: Callable[[str], pd.DataFrame], raw: Path, as_of: dt.date, zone: str) -> None:
    """The built dim_contacts (read through `query`) equals expected_dim_contacts of the raw files in `raw`."""
    actual = (
        query(
            "select contact_id, valid_orders, net_revenue, first_valid_order_date, last_valid_order_date from marts.dim_contacts"
        )
        .set_index("contact_id")
        .sort_index()
    )
    expected = expected_dim_contacts(raw, as_of, zone).sort_index()
    assert list(actual.index) == list(expected.index), "the same contacts exist as of the date"
    assert (actual.valid_orders.to_numpy() == expected.valid_orders.to_numpy()).all()
    actual_revenue = [Decimal(str(value)).quantize(Decimal("0.01")) for value in actual.net_revenue]
    assert actual_revenue == list(expected.net_revenue)
    for column in ("first_valid_order_date", "last_valid_order_date"):
        got = [None if pd.isna(value) else pd.Timestamp(value).date() for value in actual[column]]
        want = [None if pd.isna(value) else value for value in expected[column]]
        assert got == want, column
    assert (expected.valid_orders > 0).sum() > 1000, "the comparison covers many customers"


def expected_engagement_changes(raw: Path, as_of: dt.date, days: int = 30) -> pd.DataFrame:
    """engagement_status_changes from the documented definitions: contacts grouped by subscription status at
    the as-of date (and all contacts), engaged status at the start (as-of − days) and the end, and who changed
    to unsubscribed in the period (unsubscribed now, first unsubscribe event after the start). The start
    population is the contacts existing then as known at the as-of date."""
    start = as_of - dt.timedelta(days=days)
    end_status = expected_engagement(raw, as_of).engagement_status
    start_status = expected_engagement(raw, start).engagement_status
    contacts, orders, events = clean_data(raw, as_of=as_of)
    # Who existed at the start as known at the as-of date (each contact's version then, like dim_contacts).
    created = pd.DataFrame({"contact_id": contacts.contact_id, "day": contacts.created.dt.tz_convert("UTC").dt.date})
    evidence = pd.concat([created, orders[["contact_id", "day"]], events[["contact_id", "day"]]])
    first_seen = evidence.groupby("contact_id").day.min()
    start_status = start_status[start_status.index.isin(first_seen[first_seen <= start].index)]
    subscription = contacts.set_index("contact_id").subscription_status.str.lower().reindex(end_status.index)
    types = pd.read_csv(SEEDS / "event_types.csv")
    unsubscribe_types = set(types[types.is_unsubscribe].event_type)
    unsubscribes = events[events.event_type.isin(unsubscribe_types) & (events.day <= as_of)]
    first = unsubscribes.groupby("contact_id").day.min().reindex(end_status.index)
    changed = (subscription == "unsubscribed") & first.notna() & (first > start)
    per_contact = pd.DataFrame(
        {"group": subscription, "start": start_status.reindex(end_status.index), "end": end_status, "unsub": changed}
    )
    rows = []
    for group, members in [("All contacts", per_contact), *per_contact.groupby("group")]:
        for status in ("Engaged", "Non-engaged"):
            at_start = int((members.start == status).sum())
            rows.append({
                "contact_group": group, "engagement_status": status, "start_contacts": at_start,
                "end_contacts": int((members.end == status).sum()),
                "new_contacts": int((members.start.isna() & (members.end == status)).sum()),
                "moved_in": int((members.start.notna() & (members.start != status) & (members.end == status)).sum()),
                "moved_out": int(((members.start == status) & (members.end != status)).sum()),
                "unsubscribed_in_period": int((members.unsub & (members.end == status)).sum()),
            })  # fmt: skip
    return pd.DataFrame(rows).set_index(["contact_group", "engagement_status"]).sort_index()
