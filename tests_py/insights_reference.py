"""Segment insights recomputed in pandas from the documented definitions (docs/)
("Segment insights"), from the star schema and the segment members alone:
never from the insight models or their intermediate tables."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

BASELINE = "all_contacts"
DEFAULT_ATTRIBUTES = [
    "country",
    "gender",
    "age_band",
    "acquisition_channel",
    "subscription_status",
    "rfm_persona",
    "engagement_level",
    "top_category",
]
DEFAULT_EDGES = [18, 25, 35, 45, 55, 65]


def money_ratio(amount: Decimal, divisor: int | Decimal) -> Decimal | None:
    """Exact division rounded to the cent, halves away from zero (amounts are >= 0)."""
    if divisor == 0:
        return None
    return (Decimal(amount) / Decimal(divisor)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def share(part: float, whole: float, scale: float = 100.0) -> float | None:
    return None if whole == 0 else scale * part / whole


def age_band(age: object, edges: list[int]) -> str:
    if age is None or pd.isna(age):
        return "Unknown"
    age = int(age)  # type: ignore[call-overload]
    if age < edges[0]:
        return f"under {edges[0]}"
    for low, high in itertools.pairwise(edges):
        if age < high:
            return f"{low}-{high - 1}"
    return f"{edges[-1]}+"


@dataclass
class Marts:
    """The tables the reference reads (as pandas frames, as DuckDB returns them)."""

    as_of: dt.date
    contacts: pd.DataFrame
    orders: pd.DataFrame
    lines: pd.DataFrame
    products: pd.DataFrame
    members: pd.DataFrame
    catalog: pd.DataFrame
    erfm: pd.DataFrame
    window_days: int = 365
    months: int = 24
    edges: list[int] = field(default_factory=lambda: list(DEFAULT_EDGES))

    def valid_orders(self) -> pd.DataFrame:
        orders = self.orders[self.orders["is_valid_order"]].copy()
        orders["day"] = pd.to_datetime(orders["ordered_date"]).dt.date
        return orders[orders["day"] <= self.as_of]

    def window_start(self) -> dt.date:
        return self.as_of - dt.timedelta(days=self.window_days - 1)

    def segments(self) -> dict[str, set[str]]:
        """Every catalog segment's members, and the baseline's: every contact."""
        by_key: dict[str, set[str]] = {key: set() for key in self.catalog["segment_key"]}
        for key, group in self.members.groupby("segment_key"):
            by_key[str(key)] = set(group["contact_id"])
        by_key[BASELINE] = set(self.contacts["contact_id"])
        return by_key


def summary(marts: Marts) -> pd.DataFrame:
    contacts = marts.contacts.set_index("contact_id")
    orders = marts.valid_orders()
    window = orders[orders["day"] >= marts.window_start()]
    everyone = len(contacts)
    rows = []
    for key, members in marts.segments().items():
        chosen = contacts.loc[sorted(members)]
        member_orders = window[window["contact_id"].isin(members)]
        lifetime = orders[orders["contact_id"].isin(members)]
        net = Decimal(sum(member_orders["net_revenue"], Decimal(0)))
        customers = member_orders["contact_id"].nunique()
        count = len(member_orders)
        units = int(member_orders["units"].sum())
        reachable = int((chosen["is_subscribed"] & chosen["has_email"]).sum())
        rows.append({
            "segment_key": key,
            "members": len(members),
            "pct_of_all_contacts": share(len(members), everyone),
            "reachable_members": reachable,
            "pct_reachable": share(reachable, len(members)),
            "purchasers": int(lifetime["contact_id"].nunique()),
            "active_customers": customers,
            "window_revenue": net,
            "lifetime_revenue": Decimal(sum(lifetime["net_revenue"], Decimal(0))),
            "net_revenue": net,
            "customers": customers,
            "orders": count,
            "units": units,
            "revenue_per_customer": money_ratio(net, customers),
            "orders_per_customer": share(count, customers, 1.0),
            "average_order_value": money_ratio(net, count),
            "units_per_transaction": share(units, count, 1.0),
            "average_unit_revenue": money_ratio(net, units),
        })
    return pd.DataFrame(rows).set_index("segment_key").sort_index()


def revenue_monthly(marts: Marts) -> pd.DataFrame:
    orders = marts.valid_orders()
    orders["month"] = orders["day"].map(lambda day: day.replace(day=1))
    first = marts.as_of.replace(day=1)
    months = []
    for back in range(marts.months):
        year, month = divmod(first.year * 12 + first.month - 1 - back, 12)
        months.append(dt.date(year, month + 1, 1))
    rows = []
    for key, members in marts.segments().items():
        member_orders = orders[orders["contact_id"].isin(members)]
        for month in months:
            in_month = member_orders[member_orders["month"] == month]
            rows.append({
                "segment_key": key,
                "month_start_date": month,
                "revenue": Decimal(sum(in_month["net_revenue"], Decimal(0))),
                "orders": len(in_month),
                "buyers": in_month["contact_id"].nunique(),
            })
    return pd.DataFrame(rows).set_index(["segment_key", "month_start_date"]).sort_index()


def attributes(marts: Marts) -> pd.DataFrame:
    """One row per contact with each default attribute; missing is 'Unknown'."""
    contacts = marts.contacts.set_index("contact_id")
    erfm = marts.erfm.set_index("contact_id").reindex(contacts.index)
    lines = marts.lines[marts.lines["is_valid_order"]].merge(marts.products, on="product_id")
    lines = lines[lines["category"].notna()]
    spent = lines.groupby(["contact_id", "category"])["line_revenue"].sum().reset_index()
    ranked = spent.sort_values(["contact_id", "line_revenue", "category"], ascending=[True, False, True])
    top = ranked.groupby("contact_id").first()
    frame = pd.DataFrame(index=contacts.index)
    frame["country"] = contacts["country_code"]
    frame["gender"] = contacts["gender"]
    frame["age_band"] = [age_band(age, marts.edges) for age in contacts["age_years"]]
    frame["acquisition_channel"] = contacts["acquisition_channel"]
    frame["subscription_status"] = contacts["subscription_status"]
    frame["rfm_persona"] = erfm["persona"]
    frame["engagement_level"] = erfm["engagement_level"]
    frame["top_category"] = top["category"].reindex(contacts.index)
    return frame.astype(object).where(frame.notna(), "Unknown")


def breakdown(marts: Marts) -> pd.DataFrame:
    values = attributes(marts)
    orders = marts.valid_orders()
    window = orders[orders["day"] >= marts.window_start()]
    revenue = window.groupby("contact_id")["net_revenue"].apply(lambda amounts: Decimal(sum(amounts, Decimal(0))))
    rows = []
    for key, members in marts.segments().items():
        chosen = values.loc[sorted(members)]
        bought = chosen.index.isin(revenue.index)
        spent = [revenue.get(contact, Decimal(0)) for contact in chosen.index]
        for attribute in DEFAULT_ATTRIBUTES:
            total_purchasers = int(bought.sum())
            total_revenue = Decimal(sum(spent, Decimal(0)))
            for value in sorted(set(chosen[attribute])):
                mask = (chosen[attribute] == value).to_numpy()
                purchasers = int((mask & bought).sum())
                value_revenue = Decimal(sum((amount for amount, hit in zip(spent, mask, strict=True) if hit), Decimal(0)))
                rows.append({
                    "segment_key": key,
                    "attribute": attribute,
                    "attribute_value": value,
                    "members": int(mask.sum()),
                    "pct_of_members": share(int(mask.sum()), len(chosen)),
                    "purchasers": purchasers,
                    "pct_of_purchasers": share(purchasers, total_purchasers),
                    "revenue": value_revenue,
                    "pct_of_revenue": share(float(value_revenue), float(total_revenue)),
                    "revenue_per_purchaser": money_ratio(value_revenue, purchasers),
                })
    return pd.DataFrame(rows).set_index(["segment_key", "attribute", "attribute_value"]).sort_index()


def overlap(marts: Marts) -> pd.DataFrame:
    segments = {key: members for key, members in marts.segments().items() if key != BASELINE}
    rows = []
    for key, members in segments.items():
        for other, other_members in segments.items():
            both = len(members & other_members)
            either = len(members | other_members)
            rows.append({
                "segment_key": key,
                "other_segment_key": other,
                "members": len(members),
                "other_members": len(other_members),
                "members_in_both": both,
                "pct_of_members_in_other": share(both, len(members)),
                "jaccard_index": share(both, either, 1.0),
            })
    return pd.DataFrame(rows).set_index(["segment_key", "other_segment_key"]).sort_index()
