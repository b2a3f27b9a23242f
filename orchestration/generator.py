"""Deterministic sample data in the raw-data contract.

Writes contacts, orders, order_lines, products, events and contact_tags to a
directory as CSV or Parquet, chunk by chunk (a Parquet row group or a CSV
block per chunk of contacts), so memory stays flat from a thousand contacts to
a million contacts, ten million orders and a hundred million events.

The data has the shape real shops have: a few heavy spenders and many one-time
buyers (Pareto spend propensity), seasonal peaks in November and December,
contacts who churn and stop both buying and engaging, engagement that rises
with buying, and anonymous web visitors. Purchases follow a rate and a
dropout, as the prediction models assume (docs/predictions.md): each contact
is active from creation until an exponentially distributed lifetime ends, and
its orders (a number drawn by its spend propensity) fall within that active
span, so a contact buys at its own rate while active and never after it
drops out. That is why personas and predictions made at a past date
separate who buys afterwards (persona_backtest; tests_py/test_predictions.py). A small, exactly known number of bad
rows of every kind staging rejects is added as extra rows (so that no good
row is lost to them), and `generation_manifest.json` records how many rows of
each entity were written and how many of each rejection reason were injected.

Same arguments, same bytes: every chunk draws from its own seeded generator.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from tqdm import tqdm

from orchestration.lib import seeds
from orchestration.lib.raw_contract import load_contract

SECONDS_PER_DAY = 86_400
MONTH_WEIGHTS = np.array([0.8, 0.75, 0.85, 0.9, 0.95, 0.9, 0.85, 0.9, 0.95, 1.05, 1.35, 1.6])
CURRENCIES = np.array(["EUR", "GBP", "USD", "PLN"])
CURRENCY_P = np.array([0.80, 0.10, 0.05, 0.05])
# Reporting-currency (EUR) value of one unit, close to seeds/currency_rates.csv;
# only used to make prices in other currencies look plausible.
EUR_TO_CURRENCY = np.array([1.0, 0.85, 1.08, 4.32])
COUNTRIES = np.array(["PL", "DE", "GB", "FR", "US", "ES", "IT", "NL", "SE", "CZ"])
COUNTRY_P = np.array([0.25, 0.18, 0.12, 0.1, 0.08, 0.08, 0.07, 0.05, 0.04, 0.03])
CITIES = np.array(["Warsaw", "Berlin", "London", "Paris", "New York", "Madrid", "Rome", "Amsterdam", "Stockholm", "Prague"])
FIRST_NAMES = np.array(["Anna", "Jan", "Maria", "Piotr", "Emma", "Lukas", "Olivia", "Noah", "Sofia", "Liam", "Zoe", "Adam"])
LAST_NAMES = np.array(["Nowak", "Müller", "Smith", "Martin", "Garcia", "Rossi", "de Vries", "Andersson", "Novák", "O'Brien"])
GENDERS = np.array(["female", "male", "other", ""])
GENDER_P = np.array([0.49, 0.47, 0.02, 0.02])
# The generated mix of subscription statuses and event types. The statuses
# and types themselves are the seeds' (orchestration/lib/seeds.py); one the mix
# does not know (a user's addition) gets a small share.
SUBSCRIPTION_MIX = {"subscribed": 0.62, "unsubscribed": 0.2, "never_subscribed": 0.14, "bounced": 0.03, "complained": 0.01}
EVENT_MIX = {
    "email_sent": 0.33, "email_open": 0.2, "email_click": 0.06, "email_bounce": 0.005, "email_unsubscribe": 0.002,
    "page_view": 0.25, "product_view": 0.11, "add_to_cart": 0.043,
}
UNKNOWN_SHARE = 0.01


def mix(names: list[str], shares: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """The names and their probabilities (the known shares; UNKNOWN_SHARE
    for the others), summing to 1."""
    weights = np.array([shares.get(name, UNKNOWN_SHARE) for name in names])
    return np.array(names), weights if set(names) <= set(shares) else weights / weights.sum()


SUBSCRIPTIONS, SUBSCRIPTION_P = mix(seeds.subscription_statuses(), SUBSCRIPTION_MIX)
ACQUISITION = np.array(["organic", "paid_search", "social", "referral", "email", "marketplace", "store"])
ACQUISITION_P = np.array([0.3, 0.2, 0.15, 0.1, 0.1, 0.1, 0.05])
STATUSES = np.array(["completed", "cancelled", "refunded"])
STATUS_P = np.array([0.92, 0.05, 0.03])
CHANNELS = np.array(["web", "app", "store", "marketplace", "phone"])
CHANNEL_P = np.array([0.55, 0.2, 0.12, 0.1, 0.03])
EVENT_TYPES, EVENT_P = mix(seeds.event_types(), EVENT_MIX)
WEB_EVENTS = {"page_view", "product_view", "add_to_cart"}
# The types of anonymous visitors' events, by position in EVENT_TYPES.
ANONYMOUS_EVENT_INDEX = np.array([list(EVENT_TYPES).index(name) for name in ("page_view", "product_view", "add_to_cart")])
TRAFFIC = np.array(["utm", "referral", "search", "advert", "email", "direct"])
TRAFFIC_P = np.array([0.15, 0.1, 0.3, 0.1, 0.15, 0.2])
PAGES = np.array(
    ["/", "/sale", "/new-in", "/category/allergy", "/category/skin-care", "/blog/spring-allergies", "/cart", "/account"]
)
CATEGORIES = {
    "Health": ["Allergy", "Vitamins", "First aid"],
    "Beauty": ["Skin care", "Hair care", "Make-up"],
    "Home": ["Kitchen", "Cleaning", "Decor"],
    "Baby": ["Nappies", "Food", "Toys"],
    "Furniture": ["Sofas", "Coffee tables", "Lamps"],
}
BRANDS = np.array(["Acme", "Northwind", "Globex", "Initech", "Umbrella", "Hooli", "Soylent", "Vandelay"])
TAGS = np.array(["vip", "newsletter_signup", "wholesale", "loyalty_member", "allergy_interest", "gift_buyer"])


@dataclass(frozen=True)
class Settings:
    contacts: int
    orders: int
    events: int
    products: int
    end_date: dt.date
    years: float
    seed: int
    bad_row_rate: float
    chunk_contacts: int
    file_format: str
    out: Path

    @property
    def start_ts(self) -> int:
        start = self.end_date - dt.timedelta(days=round(365.25 * self.years))
        return int(dt.datetime(start.year, start.month, start.day, tzinfo=dt.UTC).timestamp())

    @property
    def end_ts(self) -> int:
        """One second before the end date's following midnight (UTC)."""
        end = self.end_date + dt.timedelta(days=1)
        return int(dt.datetime(end.year, end.month, end.day, tzinfo=dt.UTC).timestamp()) - 1


def split_evenly(total: int, parts_end: np.ndarray, whole: int) -> np.ndarray:
    """How many of `total` fall in each chunk, proportional to chunk size, exactly."""
    boundaries = (total * parts_end) // whole
    return np.diff(np.concatenate([[0], boundaries]))


def ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    text = pc.utf8_lpad(pa.array(numbers, pa.int64()).cast(pa.string()), width, "0")
    return pc.binary_join_element_wise(pa.scalar(prefix), text, "")


def iso_timestamps(seconds: np.ndarray, rng: np.random.Generator) -> pa.Array:
    """ISO 8601 text of UTC instants: mostly naive (meaning UTC), some with 'Z',
    some written in local time with an offset, as exports do."""
    style = rng.random(len(seconds))
    offset_hours = np.where(style < 0.15, 2, 0)
    shown = pa.array(seconds + offset_hours * 3600, pa.timestamp("s"))
    base = pc.strftime(shown, format="%Y-%m-%dT%H:%M:%S")
    suffix = np.where(style < 0.15, "+02:00", np.where(style < 0.35, "Z", ""))
    return pc.binary_join_element_wise(base, pa.array(suffix), "")


def seasonal_times(rng: np.random.Generator, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Instants uniform in [low, high], thinned by month so that November and
    December are busier (accept-reject on the month weight)."""
    result = np.empty(len(low), dtype=np.int64)
    pending = np.arange(len(low))
    peak = MONTH_WEIGHTS.max()
    while len(pending):
        span = np.maximum(high[pending] - low[pending], 0)
        candidate = low[pending] + (rng.random(len(pending)) * span).astype(np.int64)
        months = candidate.astype("datetime64[s]").astype("datetime64[M]").astype(np.int64) % 12
        accepted = rng.random(len(pending)) * peak <= MONTH_WEIGHTS[months]
        result[pending[accepted]] = candidate[accepted]
        pending = pending[~accepted]
    return result


def money(values: np.ndarray) -> pa.Array:
    cents = np.round(values * 100).astype(np.int64)
    whole = pa.array(cents // 100, pa.int64()).cast(pa.string())
    fraction = pc.utf8_lpad(pa.array(cents % 100, pa.int64()).cast(pa.string()), 2, "0")
    return pc.binary_join_element_wise(whole, fraction, ".")


def text(values: np.ndarray) -> pa.Array:
    return pa.array(values.astype(str), pa.string())


def blank_to_null(array: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(array, ""), pa.nulls(len(array), pa.string()), array)


class Writers:
    """One writer per entity; every column is text, as the contract reads it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.contract = load_contract()
        self._writers: dict[str, object] = {}
        self.rows: Counter[str] = Counter()

    def schema(self, entity: str) -> pa.Schema:
        return pa.schema([(name, pa.string()) for name in self.contract[entity].column_names])

    def write(self, entity: str, columns: dict[str, pa.Array]) -> None:
        schema = self.schema(entity)
        missing = set(schema.names) - set(columns)
        if missing:
            raise ValueError(f"generator: {entity} lacks columns {sorted(missing)}")
        table = pa.table({name: columns[name] for name in schema.names}, schema=schema)
        if entity not in self._writers:
            path = self.settings.out / f"{entity}.{self.settings.file_format}"
            if self.settings.file_format == "parquet":
                self._writers[entity] = pq.ParquetWriter(path, schema, compression="zstd")
            else:
                self._writers[entity] = pacsv.CSVWriter(path, schema)
        self._writers[entity].write_table(table)
        self.rows[entity] += table.num_rows

    def close(self) -> None:
        for writer in self._writers.values():
            writer.close()


class BadRows:
    """Counts injected bad rows and decides how many of each kind a chunk gets."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.injected: Counter[tuple[str, str]] = Counter()

    def count(self, rows: int) -> int:
        if self.rate <= 0 or rows == 0:
            return 0
        return max(1, math.floor(rows * self.rate))

    def note(self, entity: str, reason: str, rows: int) -> None:
        if rows:
            self.injected[(entity, reason)] += rows


def take_rows(columns: dict[str, pa.Array], indices: np.ndarray) -> dict[str, pa.Array]:
    picked = pa.array(indices, pa.int64())
    return {name: pc.take(array, picked) for name, array in columns.items()}


def as_array(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Compute kernels may answer with a chunked array; writers and concat want one array."""
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def concat(parts: list[dict[str, pa.Array]]) -> dict[str, pa.Array]:
    parts = [part for part in parts if part and len(next(iter(part.values())))]
    return {name: pa.concat_arrays([as_array(part[name]) for part in parts]) for name in parts[0]}


def replace(columns: dict[str, pa.Array], **values: object) -> dict[str, pa.Array]:
    size = len(next(iter(columns.values())))
    result = dict(columns)
    for name, value in values.items():
        if isinstance(value, pa.Array):
            result[name] = value
        else:
            result[name] = pa.array([value] * size, pa.string())
    return result


def corrupt(
    rng: np.random.Generator,
    columns: dict[str, pa.Array],
    bad: BadRows,
    entity: str,
    key: str,
    key_prefix: str,
    kinds: list[tuple[str, dict[str, object]]],
    duplicate_key_changes: dict[str, object] | None,
    chunk_index: int,
) -> dict[str, pa.Array]:
    """Extra bad rows: copies of good rows with one fault each, under fresh keys
    (so nothing good depends on them), plus exact copies and older versions of
    good rows. Returns the extra rows."""
    size = len(columns[key])
    per_kind = bad.count(size)
    if per_kind == 0:
        return {}
    extras = []
    for kind_index, (reason, changes) in enumerate(kinds):
        picked = take_rows(columns, rng.integers(0, size, per_kind))
        fresh = ids(f"{key_prefix}X{chunk_index:05d}K{kind_index:02d}N", np.arange(per_kind), 7)
        extras.append(replace(picked, **{key: fresh}, **changes))
        bad.note(entity, reason, per_kind)
    # exact copies of good rows: the copy is rejected as `duplicate`
    extras.append(take_rows(columns, rng.choice(size, min(per_kind, size), replace=False)))
    bad.note(entity, "duplicate", min(per_kind, size))
    if duplicate_key_changes is not None:
        picked = take_rows(columns, rng.choice(size, min(per_kind, size), replace=False))
        extras.append(replace(picked, **duplicate_key_changes))
        bad.note(entity, "duplicate_key", min(per_kind, size))
    return concat(extras)


def allocate_orders(rng: np.random.Generator, order_count: int, spend_weight: np.ndarray) -> np.ndarray:
    """Orders per contact, summing exactly to order_count: prospects get none,
    about 45% of buyers exactly one, and repeat buyers at least two, the rest
    spread by their (Pareto) spend weight, so a few buy very often."""
    n = len(spend_weight)
    buyers = np.flatnonzero(spend_weight > 0)
    if order_count == 0 or len(buyers) == 0:
        per_contact = np.zeros(n, dtype=np.int64)
        if order_count:
            per_contact += rng.multinomial(order_count, np.full(n, 1 / n))
        return per_contact
    one_timer = rng.random(len(buyers)) < 0.45
    repeaters = buyers[~one_timer]
    floor = len(buyers) - len(repeaters) + 2 * len(repeaters)
    per_contact = np.zeros(n, dtype=np.int64)
    if order_count < floor or len(repeaters) == 0:
        weights = spend_weight[buyers] / spend_weight[buyers].sum()
        per_contact[buyers] = rng.multinomial(order_count, weights)
        return per_contact
    per_contact[buyers[one_timer]] = 1
    weights = spend_weight[repeaters] / spend_weight[repeaters].sum()
    per_contact[repeaters] = 2 + rng.multinomial(order_count - floor, weights)
    return per_contact


def generate_products(settings: Settings, writers: Writers, bad: BadRows) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng([settings.seed, 0])
    n = settings.products
    categories = list(CATEGORIES)
    category_index = rng.integers(0, len(categories), n)
    subcategory = np.array([CATEGORIES[categories[c]][i % 3] for i, c in enumerate(category_index)])
    prices = np.round(np.exp(rng.normal(3.0, 0.8, n)), 2)
    columns = {
        "product_id": ids("P", np.arange(1, n + 1), 6),
        "product_name": pc.binary_join_element_wise(text(subcategory), ids(" #", np.arange(1, n + 1), 4), ""),
        "category": text(np.array(categories)[category_index]),
        "subcategory": text(subcategory),
        "brand": text(rng.choice(BRANDS, n)),
        "price": money(prices),
    }
    extras = corrupt(rng, columns, bad, "products", "product_id", "P", [("negative_amount", {"price": "-5.00"})], None, 0)
    products = columns
    if extras:
        # the key itself missing: corrupt() always writes a fresh key, so added here
        missing_key = replace(take_rows(columns, rng.integers(0, n, bad.count(n))), product_id=None)
        bad.note("products", "missing_required_value", bad.count(n))
        products = concat([columns, extras, missing_key])
    writers.write("products", products)
    popularity = 1.0 / np.arange(1, n + 1) ** 0.8
    return prices, popularity / popularity.sum()


# A row far in the future, for the future_timestamp rejections.
FUTURE = "2099-01-01T00:00:00"


@dataclass(frozen=True)
class ChunkContacts:
    """What orders, events and tags of a chunk need from its contacts."""

    contact_id: pa.Array
    created: np.ndarray
    active_until: np.ndarray
    spend_weight: np.ndarray


def generate_chunk(
    settings: Settings,
    writers: Writers,
    bad: BadRows,
    chunk_index: int,
    first_contact: int,
    contact_count: int,
    first_order: int,
    order_count: int,
    first_event: int,
    event_count: int,
    product_prices: np.ndarray,
    product_p: np.ndarray,
) -> None:
    """One chunk of contacts with their orders, lines, events and tags. The
    parts draw from one random generator in this order, so a seed gives the
    same files."""
    rng = np.random.default_rng([settings.seed, 1, chunk_index])
    people = generate_contacts(settings, writers, bad, rng, chunk_index, first_contact, contact_count)
    generate_orders(writers, bad, rng, chunk_index, people, first_order, order_count, product_prices, product_p)
    generate_events(settings, writers, bad, rng, chunk_index, people, first_event, event_count, product_prices, product_p)
    generate_tags(settings, writers, bad, rng, people)


def generate_contacts(
    settings: Settings, writers: Writers, bad: BadRows, rng: np.random.Generator, chunk_index: int, first_contact: int, n: int
) -> ChunkContacts:
    start, end = settings.start_ts, settings.end_ts
    span = end - start
    numbers = np.arange(first_contact, first_contact + n)
    contact_id = ids("C", numbers, 8)
    created = start + (rng.random(n) ** 1.3 * span * 0.97).astype(np.int64)
    # lifetime: some churn early, some stay; engagement and buying stop at churn
    lifetime = (rng.exponential(1.4, n) * 365 * SECONDS_PER_DAY).astype(np.int64)
    active_until = np.minimum(created + lifetime, end)
    updated = np.minimum(created + (rng.random(n) * (end - created)).astype(np.int64), end)
    is_prospect = rng.random(n) < 0.35
    spend_weight = np.where(is_prospect, 0.0, rng.pareto(1.6, n) + 0.2)
    age_days = rng.integers(18 * 365, 80 * 365, n)
    birth = np.datetime64(settings.end_date) - age_days.astype("timedelta64[D]")
    has_birth = rng.random(n) < 0.6
    country = rng.choice(len(COUNTRIES), n, p=COUNTRY_P)
    first = rng.choice(FIRST_NAMES, n)
    last = rng.choice(LAST_NAMES, n)
    has_email = rng.random(n) < 0.93
    email = pc.binary_join_element_wise(
        pc.utf8_lower(text(first)), pa.scalar("."), pc.utf8_lower(contact_id), pa.scalar("@example.com"), ""
    )
    contacts = {
        "contact_id": contact_id,
        "email": pc.if_else(pa.array(has_email), email, pa.nulls(n, pa.string())),
        "first_name": text(first),
        "last_name": text(last),
        "country_code": text(COUNTRIES[country]),
        "city": text(CITIES[country]),
        "gender": blank_to_null(text(rng.choice(GENDERS, n, p=GENDER_P))),
        "birth_date": pc.if_else(pa.array(has_birth), text(np.datetime_as_string(birth, unit="D")), pa.nulls(n, pa.string())),
        "created_at": iso_timestamps(created, rng),
        "updated_at": iso_timestamps(updated, rng),
        "subscription_status": text(rng.choice(SUBSCRIPTIONS, n, p=SUBSCRIPTION_P)),
        "acquisition_channel": text(rng.choice(ACQUISITION, n, p=ACQUISITION_P)),
    }
    bad_contacts = corrupt(
        rng,
        contacts,
        bad,
        "contacts",
        "contact_id",
        "C",
        [
            ("missing_required_value", {"subscription_status": None}),
            ("unparseable_timestamp", {"created_at": "31/02/2024 25:00"}),
            ("unparseable_date", {"birth_date": "1990-02-30"}),
            ("unknown_enumerated_value", {"subscription_status": "maybe_later"}),
            ("invalid_code", {"country_code": "P1"}),
            ("future_timestamp", {"created_at": FUTURE, "updated_at": FUTURE}),
        ],
        {"updated_at": "2000-01-01T00:00:00", "email": "old.address@example.com"},
        chunk_index,
    )
    writers.write("contacts", concat([contacts, bad_contacts]) if bad_contacts else contacts)
    return ChunkContacts(contact_id, created, active_until, spend_weight)


def generate_orders(
    writers: Writers,
    bad: BadRows,
    rng: np.random.Generator,
    chunk_index: int,
    people: ChunkContacts,
    first_order: int,
    order_count: int,
    product_prices: np.ndarray,
    product_p: np.ndarray,
) -> None:
    contact_id, created, active_until, spend_weight = people.contact_id, people.created, people.active_until, people.spend_weight
    n = len(created)
    per_contact = allocate_orders(rng, order_count, spend_weight)
    owner = np.repeat(np.arange(n), per_contact)
    m = len(owner)
    ordered = seasonal_times(rng, created[owner], np.maximum(active_until[owner], created[owner]))
    order_id = ids("O", np.arange(first_order, first_order + m) + 1, 9)
    currency = rng.choice(len(CURRENCIES), m, p=CURRENCY_P)
    lines_per_order = rng.choice([1, 2, 3, 4], m, p=[0.5, 0.28, 0.14, 0.08])
    line_owner = np.repeat(np.arange(m), lines_per_order)
    line_number = np.arange(len(line_owner)) - np.repeat(np.cumsum(lines_per_order) - lines_per_order, lines_per_order) + 1
    product = rng.choice(len(product_prices), len(line_owner), p=product_p)
    quantity = rng.choice([1, 2, 3, 4], len(line_owner), p=[0.7, 0.18, 0.08, 0.04])
    unit_price = np.round(product_prices[product] * EUR_TO_CURRENCY[currency[line_owner]], 2)
    line_discount = np.where(rng.random(len(line_owner)) < 0.1, np.round(unit_price * quantity * 0.1, 2), 0.0)
    line_value = unit_price * quantity - line_discount
    total = np.round(np.bincount(line_owner, weights=line_value, minlength=m), 2)
    status = rng.choice(len(STATUSES), m, p=STATUS_P)
    refunded = np.where(
        STATUSES[status] == "refunded",
        total,
        np.where((STATUSES[status] == "completed") & (rng.random(m) < 0.03), np.round(total * rng.random(m), 2), 0.0),
    )
    orders = {
        "order_id": order_id,
        "contact_id": pc.take(contact_id, pa.array(owner, pa.int64())),
        "ordered_at": iso_timestamps(ordered, rng),
        "status": text(STATUSES[status]),
        "currency": text(CURRENCIES[currency]),
        "total_amount": money(total),
        "discount_amount": money(np.round(np.bincount(line_owner, weights=line_discount, minlength=m), 2)),
        "shipping_amount": money(np.where(total < 50, 4.99, 0.0)),
        "refunded_amount": money(refunded),
        "channel": text(rng.choice(CHANNELS, m, p=CHANNEL_P)),
    }
    if m:
        bad_orders = corrupt(
            rng,
            orders,
            bad,
            "orders",
            "order_id",
            "O",
            [
                ("missing_required_value", {"contact_id": None}),
                ("unparseable_timestamp", {"ordered_at": "yesterday"}),
                ("unparseable_number", {"total_amount": "12,50"}),
                ("unknown_enumerated_value", {"status": "shipped"}),
                ("unknown_currency", {"currency": "XYZ"}),
                ("negative_amount", {"total_amount": "-10.00", "refunded_amount": "0"}),
                ("refund_exceeds_total", {"total_amount": "10.00", "refunded_amount": "99.00"}),
                ("future_timestamp", {"ordered_at": FUTURE}),
                ("unknown_contact", {"contact_id": "C-NOT-A-CONTACT"}),
            ],
            {"ordered_at": "2000-01-01T00:00:00", "status": "cancelled"},
            chunk_index,
        )
        writers.write("orders", concat([orders, bad_orders]) if bad_orders else orders)
        lines = {
            "order_id": pc.take(order_id, pa.array(line_owner, pa.int64())),
            "line_number": text(line_number),
            "product_id": ids("P", product + 1, 6),
            "quantity": text(quantity),
            "unit_price": money(unit_price),
            "discount_amount": money(line_discount),
        }
        per_kind = bad.count(len(line_owner))
        line_extras = []
        if per_kind:
            picked = take_rows(lines, rng.integers(0, len(line_owner), per_kind))
            for reason, changes in [
                ("unknown_order", {"order_id": pc.binary_join_element_wise(pa.scalar("O-MISSING-"), picked["order_id"], "")}),
                ("invalid_quantity", {"quantity": "0", "line_number": pa.array(["90"] * per_kind)}),
                ("unparseable_number", {"unit_price": "abc", "line_number": pa.array(["91"] * per_kind)}),
                ("negative_amount", {"unit_price": "-1.00", "line_number": pa.array(["92"] * per_kind)}),
            ]:
                line_extras.append(replace(picked, **changes))
                bad.note("order_lines", reason, per_kind)
            copies = take_rows(lines, rng.choice(len(line_owner), min(per_kind, len(line_owner)), replace=False))
            line_extras.append(copies)
            bad.note("order_lines", "duplicate", len(copies["order_id"]))
        writers.write("order_lines", concat([lines, *line_extras]))


# Campaign emails: a new campaign about twice a week, and each contact answers
# (opens or clicks) a share of its emails of its own (mean as EVENT_MIX's).
CAMPAIGN_SECONDS = SECONDS_PER_DAY * 7 // 2
CAMPAIGN_IDS = 399
RESPONSE_BETA = (1.5, 1.9)


def answer_campaign_emails(
    rng: np.random.Generator, names: np.ndarray, occurred: np.ndarray, owner: np.ndarray, end: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Campaign emails as an email platform records them, for known contacts' events (owner ascending).
    Each contact sends, opens and clicks in its own proportion; each send belongs to the campaign of its
    half-week; each open or click answers one of its contact's sends (that campaign, a day or two later);
    a contact never sent an email has its opens and clicks recorded as sends. Returns the event types,
    the times and the campaign numbers (read only for email events)."""
    names, occurred = names.copy(), occurred.copy()
    campaign = occurred // CAMPAIGN_SECONDS % CAMPAIGN_IDS + 1
    if not {"email_sent", "email_open", "email_click"} <= set(EVENT_TYPES) or not len(names):
        return names, occurred, campaign
    contacts = int(owner.max()) + 1
    conversation = np.flatnonzero(np.isin(names, ["email_sent", "email_open", "email_click"]))
    response_share = rng.beta(*RESPONSE_BETA, contacts)
    answers = rng.random(len(conversation)) < response_share[owner[conversation]]
    click_share = EVENT_MIX["email_click"] / (EVENT_MIX["email_open"] + EVENT_MIX["email_click"])
    clicks = rng.random(len(conversation)) < click_share
    names[conversation] = np.where(answers, np.where(clicks, "email_click", "email_open"), "email_sent")
    sends = np.flatnonzero(names == "email_sent")
    sends_per_contact = np.bincount(owner[sends], minlength=contacts)
    first_send = np.cumsum(sends_per_contact) - sends_per_contact
    responses = conversation[answers]
    available = sends_per_contact[owner[responses]]
    names[responses[available == 0]] = "email_sent"
    answered, available = responses[available > 0], available[available > 0]
    send = sends[first_send[owner[answered]] + (rng.random(len(answered)) * available).astype(np.int64)]
    campaign[answered] = campaign[send]
    delay = (rng.exponential(1.5, len(answered)) * SECONDS_PER_DAY).astype(np.int64)
    occurred[answered] = np.minimum(occurred[send] + delay, end)
    return names, occurred, campaign


def generate_events(
    settings: Settings,
    writers: Writers,
    bad: BadRows,
    rng: np.random.Generator,
    chunk_index: int,
    people: ChunkContacts,
    first_event: int,
    event_count: int,
    product_prices: np.ndarray,
    product_p: np.ndarray,
) -> None:
    contact_id, created, active_until, spend_weight = people.contact_id, people.created, people.active_until, people.spend_weight
    n = len(created)
    start, end = settings.start_ts, settings.end_ts
    anonymous = round(event_count * 0.08)
    known = event_count - anonymous
    engagement = 0.4 + spend_weight * 1.5 + rng.gamma(1.0, 0.5, n)
    per_contact_events = rng.multinomial(known, engagement / engagement.sum()) if known else np.zeros(n, dtype=np.int64)
    event_owner = np.repeat(np.arange(n), per_contact_events)
    # engagement fades after churn: events run to churn plus a short tail
    tail = (rng.exponential(45, len(event_owner)) * SECONDS_PER_DAY).astype(np.int64)
    event_end = np.minimum(active_until[event_owner] + tail, end)
    occurred_known = seasonal_times(rng, created[event_owner], np.maximum(event_end, created[event_owner]))
    occurred_anon = seasonal_times(rng, np.full(anonymous, start), np.full(anonymous, end))
    occurred = np.concatenate([occurred_known, occurred_anon])
    total_events = len(occurred)
    event_type = rng.choice(len(EVENT_TYPES), total_events, p=EVENT_P)
    # anonymous visitors only browse: page views, product views, adds to cart
    event_type[known:] = rng.choice(ANONYMOUS_EVENT_INDEX, anonymous, p=[0.7, 0.22, 0.08])
    names = EVENT_TYPES[event_type]
    names[:known], occurred[:known], campaign = answer_campaign_emails(rng, names[:known], occurred[:known], event_owner, end)
    is_web = np.isin(names, list(WEB_EVENTS))
    is_email = ~is_web
    null = pa.nulls(total_events, pa.string())
    web = pa.array(is_web)
    email = pa.array(is_email)
    traffic = rng.choice(len(TRAFFIC), total_events, p=TRAFFIC_P)
    has_utm = pa.array(is_web & (TRAFFIC[traffic] == "utm"))
    event_product = ids("P", rng.choice(len(product_prices), total_events, p=product_p) + 1, 6)
    events = {
        "event_id": ids("E", np.arange(first_event, first_event + total_events) + 1, 10),
        "contact_id": pa.concat_arrays(
            [pc.take(contact_id, pa.array(event_owner, pa.int64())), pa.nulls(anonymous, pa.string())]
        ),
        "event_type": text(names),
        "occurred_at": iso_timestamps(occurred, rng),
        "campaign_id": pc.if_else(
            email, ids("CMP", np.concatenate([campaign, occurred[known:] // CAMPAIGN_SECONDS % CAMPAIGN_IDS + 1]), 4), null
        ),
        "url": pc.if_else(web, text(rng.choice(PAGES, total_events)), null),
        "product_id": pc.if_else(pa.array(np.isin(names, ["product_view", "add_to_cart"])), event_product, null),
        "duration_seconds": pc.if_else(web, text(rng.integers(0, 300, total_events)), null),
        "traffic_source": pc.if_else(web, text(TRAFFIC[traffic]), null),
        "utm_source": pc.if_else(has_utm, text(rng.choice(np.array(["newsletter", "facebook", "google"]), total_events)), null),
        "utm_medium": pc.if_else(has_utm, text(rng.choice(np.array(["email", "cpc", "social"]), total_events)), null),
        "utm_campaign": pc.if_else(
            has_utm, text(rng.choice(np.array(["spring_sale", "black_friday", "allergy_season"]), total_events)), null
        ),
        "session_id": pc.if_else(web, ids("S", rng.integers(0, max(total_events // 4, 1), total_events), 9), null),
        "is_machine_open": pc.if_else(
            pa.array(names == "email_open"), text(np.where(rng.random(total_events) < 0.25, "true", "false")), null
        ),
    }
    if total_events:
        bad_events = corrupt(
            rng,
            events,
            bad,
            "events",
            "event_id",
            "E",
            [
                ("missing_required_value", {"event_type": None}),
                ("unparseable_timestamp", {"occurred_at": "2024-13-45T00:00:00"}),
                ("unknown_enumerated_value", {"event_type": "sms_sent"}),
                ("unparseable_boolean", {"event_type": "email_open", "is_machine_open": "perhaps"}),
                ("future_timestamp", {"occurred_at": FUTURE}),
                ("unknown_contact", {"contact_id": "C-NOT-A-CONTACT"}),
            ],
            {"occurred_at": "2000-01-01T00:00:00"},
            chunk_index,
        )
        writers.write("events", concat([events, bad_events]) if bad_events else events)


def generate_tags(settings: Settings, writers: Writers, bad: BadRows, rng: np.random.Generator, people: ChunkContacts) -> None:
    contact_id, created = people.contact_id, people.created
    n = len(created)
    end = settings.end_ts
    span = end - settings.start_ts
    tag_count = rng.poisson(0.6, n).clip(0, len(TAGS))
    tag_owner = np.repeat(np.arange(n), tag_count)
    # distinct tags per contact: the first k of a random ordering of all tags
    shuffled = np.argsort(rng.random((n, len(TAGS))), axis=1)
    tag_index = shuffled[np.arange(len(TAGS))[None, :] < tag_count[:, None]]
    tagged = np.minimum(created[tag_owner] + (rng.random(len(tag_owner)) * span * 0.3).astype(np.int64), end)
    tags = {
        "contact_id": pc.take(contact_id, pa.array(tag_owner, pa.int64())),
        "tag": text(TAGS[tag_index]),
        "tagged_at": iso_timestamps(tagged, rng),
        "score": text(rng.integers(1, 100, len(tag_owner))),
    }
    per_kind = bad.count(len(tag_owner))
    tag_extras = []
    if per_kind:
        picked = take_rows(tags, rng.integers(0, len(tag_owner), per_kind))
        for reason, changes in [
            ("unknown_contact", {"contact_id": "C-NOT-A-CONTACT"}),
            (
                "missing_required_value",
                {"tag": None, "contact_id": pc.binary_join_element_wise(picked["contact_id"], pa.scalar("-T"), "")},
            ),
            ("unparseable_number", {"score": "high", "tag": "score_probe"}),
        ]:
            tag_extras.append(replace(picked, **changes))
            bad.note("contact_tags", reason, per_kind)
    if tag_owner.size:
        writers.write("contact_tags", concat([tags, *tag_extras]))


# The generator's mark on a directory it writes: the files of its last run.
# Only a directory that is empty or holds this file is written to, and only the
# files it lists are ever replaced or removed: a user's files are theirs.
MARKER = ".customer_segments_sample.json"
MANIFEST = "generation_manifest.json"


class OutputDirectoryError(Exception):
    """The output directory holds files the generator did not write."""


def raw_files_in(directory: Path) -> list[str]:
    """The raw files of any contract entity in any accepted format."""
    return sorted(
        path.name
        for entity in load_contract()
        for extension in ("csv", "parquet")
        if (path := directory / f"{entity}.{extension}").exists()
    )


def owned_files(directory: Path) -> list[str] | None:
    """The files the generator's last run wrote here, or None when the
    directory does not carry its marker."""
    marker = directory / MARKER
    if not marker.is_file():
        return None
    return list(json.loads(marker.read_text(encoding="utf-8")).get("files", []))


def claim_output_directory(directory: Path) -> None:
    """Makes `directory` the generator's: creates it, or checks that it is
    empty or was written by the generator, then removes the files of the
    generator's previous run (and nothing else). Raises OutputDirectoryError
    naming the directory and what is in it otherwise."""
    if directory.exists() and not directory.is_dir():
        raise OutputDirectoryError(f"{directory} is a file, not a directory")
    directory.mkdir(parents=True, exist_ok=True)
    owned = owned_files(directory)
    present = sorted(path.name for path in directory.iterdir())
    if owned is None:
        if present:
            shown = ", ".join(present[:8]) + (f" and {len(present) - 8} more" if len(present) > 8 else "")
            raise OutputDirectoryError(
                f"{directory} is not empty and was not written by the sample generator (it holds {shown}); "
                "the generator only writes into an empty directory or one it wrote before. "
                "Choose another --out (or RAW_DATA_DIR) or empty it yourself."
            )
        return
    for name in owned:
        if name == Path(name).name and name != MARKER:  # a plain file name of this directory
            (directory / name).unlink(missing_ok=True)


def generate(settings: Settings, progress: bool = True) -> dict[str, object]:
    """Writes every entity and the manifest; returns the manifest."""
    claim_output_directory(settings.out)
    # Marked before the first byte, so an interrupted run can be rerun.
    written = [f"{entity}.{settings.file_format}" for entity in load_contract()] + [MANIFEST]
    (settings.out / MARKER).write_text(json.dumps({"files": written}, indent=2) + "\n", encoding="utf-8")
    started = time.monotonic()
    writers = Writers(settings)
    bad = BadRows(settings.bad_row_rate)
    prices, product_p = generate_products(settings, writers, bad)
    chunk_starts = np.arange(0, settings.contacts, settings.chunk_contacts)
    chunk_ends = np.minimum(chunk_starts + settings.chunk_contacts, settings.contacts)
    orders_per_chunk = split_evenly(settings.orders, chunk_ends, settings.contacts)
    events_per_chunk = split_evenly(settings.events, chunk_ends, settings.contacts)
    order_offsets = np.cumsum(orders_per_chunk) - orders_per_chunk
    event_offsets = np.cumsum(events_per_chunk) - events_per_chunk
    bar = tqdm(total=settings.contacts, unit="contacts", disable=not progress, file=sys.stderr)
    for index, (first, last) in enumerate(zip(chunk_starts, chunk_ends, strict=True)):
        generate_chunk(
            settings,
            writers,
            bad,
            index,
            int(first) + 1,
            int(last - first),
            int(order_offsets[index]),
            int(orders_per_chunk[index]),
            int(event_offsets[index]),
            int(events_per_chunk[index]),
            prices,
            product_p,
        )
        bar.update(int(last - first))
    bar.close()
    writers.close()
    manifest = {
        "settings": {
            "contacts": settings.contacts,
            "orders": settings.orders,
            "events": settings.events,
            "products": settings.products,
            "end_date": settings.end_date.isoformat(),
            "years": settings.years,
            "seed": settings.seed,
            "bad_row_rate": settings.bad_row_rate,
            "format": settings.file_format,
        },
        "rows_written": dict(sorted(writers.rows.items())),
        "bad_rows_injected": [
            {"entity": entity, "rejection_reason": reason, "rows": rows}
            for (entity, reason), rows in sorted(bad.injected.items())
        ],
        "seconds": round(time.monotonic() - started, 1),
    }
    (settings.out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def parse_args(argv: list[str] | None = None) -> tuple[Settings, bool, bool]:
    """The settings, whether to hide the progress bar, and whether to skip a
    directory that holds raw data."""
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.generator",
        description=(
            "Write deterministic sample raw data (contacts, orders, order_lines, products, events, contact_tags) "
            "in the raw-data contract."
        ),
    )
    parser.add_argument("--out", type=Path, default=Path("data/raw"), help="directory to write to (default: data/raw)")
    parser.add_argument("--contacts", type=int, default=10_000, help="number of good contacts (default: 10000)")
    parser.add_argument("--orders", type=int, default=60_000, help="number of good orders (default: 60000)")
    parser.add_argument("--events", type=int, default=400_000, help="number of good events, 8%% anonymous (default: 400000)")
    parser.add_argument("--products", type=int, default=500, help="catalogue size (default: 500)")
    parser.add_argument(
        "--end-date",
        type=dt.date.fromisoformat,
        default=dt.datetime.now(dt.UTC).date(),
        help="last day of the data, YYYY-MM-DD (default: today in UTC)",
    )
    parser.add_argument("--years", type=float, default=3.0, help="years of history before the end date (default: 3)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default: 42)")
    parser.add_argument(
        "--bad-row-rate",
        type=float,
        default=0.001,
        help="bad rows of each kind per good row of an entity, at least one per chunk when > 0 (default: 0.001)",
    )
    parser.add_argument(
        "--format", dest="file_format", choices=["csv", "parquet"], default="parquet", help="file format (default: parquet)"
    )
    parser.add_argument(
        "--chunk-contacts", type=int, default=50_000, help="contacts per chunk; memory grows with it (default: 50000)"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument(
        "--unless-raw-data",
        action="store_true",
        help="do nothing when --out already holds a raw file of any entity (CSV or Parquet): `make run` uses this",
    )
    args = parser.parse_args(argv)
    for name in ("contacts", "products", "chunk_contacts"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    for name in ("orders", "events"):
        if getattr(args, name) < 0:
            parser.error(f"--{name} must be 0 or more")
    if not 0 <= args.bad_row_rate < 0.1:
        parser.error("--bad-row-rate must be in [0, 0.1)")
    settings = Settings(
        contacts=args.contacts,
        orders=args.orders,
        events=args.events,
        products=args.products,
        end_date=args.end_date,
        years=args.years,
        seed=args.seed,
        bad_row_rate=args.bad_row_rate,
        chunk_contacts=args.chunk_contacts,
        file_format=args.file_format,
        out=args.out,
    )
    return settings, args.quiet, args.unless_raw_data


def main(argv: list[str] | None = None) -> int:
    settings, quiet, unless_raw_data = parse_args(argv)
    if unless_raw_data and settings.out.is_dir() and (found := raw_files_in(settings.out)):
        print(f"Raw data found in {settings.out} ({', '.join(found)}); not generating sample data.")
        return 0
    try:
        manifest = generate(settings, progress=not quiet)
    except OutputDirectoryError as error:
        print(f"generator: {error}", file=sys.stderr)
        return 2
    rows = manifest["rows_written"]
    injected = sum(item["rows"] for item in manifest["bad_rows_injected"])
    print(
        f"wrote {', '.join(f'{rows[k]:,} {k}' for k in rows)} to {settings.out} "
        f"({settings.file_format}; {injected:,} bad rows injected) in {manifest['seconds']} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
