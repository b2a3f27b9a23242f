"""A plain-Python evaluator of segment conditions, written from docs/segments.md
"Segments" (the condition language), not from the SQL compiler. Tests give
it the same rows the compiled SQL reads and require the same members."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

LINE_FILTERS = {"products": "product_id", "categories": "category", "subcategories": "subcategory", "brands": "brand"}
PURCHASE_FILTERS = {**LINE_FILTERS, "channels": "channel"}
EVENT_FILTERS = {
    "campaign": "campaign_id",
    "product": "product_id",
    "category": "category",
    "subcategory": "subcategory",
    "traffic_source": "traffic_source",
    "utm_source": "utm_source",
    "utm_medium": "utm_medium",
    "utm_campaign": "utm_campaign",
}


@dataclass
class SegmentData:
    """The rows conditions read: one dict per row, keyed by column."""

    contacts: list[dict[str, Any]]
    orders: list[dict[str, Any]] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    tags: list[dict[str, Any]] = field(default_factory=list)
    static_members: list[dict[str, Any]] = field(default_factory=list)


def as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def to_date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def number(value: Any) -> Decimal:
    return Decimal(str(value))


class Evaluator:
    def __init__(
        self,
        data: SegmentData,
        as_of: dt.date,
        field_types: Mapping[str, str],
        segments: Mapping[str, Any] | None = None,
    ) -> None:
        self.data = data
        self.as_of = as_of
        self.field_types = field_types
        self.segments = dict(segments or {})
        self._members: dict[str, set[str]] = {}
        # rows by contact, so that large datasets evaluate quickly
        self.by_contact: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for name in ("orders", "lines", "events", "tags", "static_members"):
            for row in getattr(data, name):
                self.by_contact.setdefault(row["contact_id"], {}).setdefault(name, []).append(row)

    def rows(self, name: str, contact_id: str) -> list[dict[str, Any]]:
        return self.by_contact.get(contact_id, {}).get(name, [])

    def segment_members(self, key: str) -> set[str]:
        if key not in self._members:
            self._members[key] = self.members(self.segments[key])
        return self._members[key]

    def members(self, condition: Mapping[str, Any]) -> set[str]:
        return {contact["contact_id"] for contact in self.data.contacts if self.holds(condition, contact)}

    # --- windows and comparisons ------------------------------------------
    def days_ago(self, days: int) -> dt.date:
        return self.as_of - dt.timedelta(days=days)

    def in_window(self, window: Mapping[str, Any] | None, day: Any) -> bool:
        day = to_date(day)
        if day is None:
            return False
        if day > self.as_of:
            return False
        if not window:
            return True
        if "last_days" in window:
            return day >= self.days_ago(window["last_days"] - 1)
        if "between" in window:
            first, last = (to_date(value) for value in window["between"])
            return first <= day <= last  # type: ignore[operator]
        months = as_list(window["months"])
        return day.month in months and day.year < self.as_of.year

    def compare(self, value: Any, op: str, expected: Any, value_type: str) -> bool:
        if op == "is_null":
            return value is None
        if op == "is_not_null":
            return value is not None
        if value is None:
            return False
        if value_type == "date":
            value = to_date(value)
            convert = to_date
        elif value_type == "number":
            value = number(value)
            convert = number
        else:
            convert = lambda item: item  # noqa: E731
        if op == "within_last_days":
            return self.days_ago(expected - 1) <= value <= self.as_of
        if op == "before_days_ago":
            return value <= self.days_ago(expected)
        if op == "contains":
            return expected in value
        if op == "starts_with":
            return value.startswith(expected)
        if op == "ends_with":
            return value.endswith(expected)
        if op == "matches":
            return re.search(expected, value) is not None
        if op == "in":
            return value in [convert(item) for item in expected]
        if op == "not_in":
            return value not in [convert(item) for item in expected]
        if op == "between":
            return convert(expected[0]) <= value <= convert(expected[1])
        expected = convert(expected)
        return {
            "eq": value == expected,
            "neq": value != expected,
            "gt": value > expected,
            "gte": value >= expected,
            "lt": value < expected,
            "lte": value <= expected,
        }[op]

    # --- conditions ----------------------------------------------------------
    def holds(self, condition: Mapping[str, Any], contact: Mapping[str, Any]) -> bool:
        contact_id = contact["contact_id"]
        if "all" in condition:
            return all(self.holds(child, contact) for child in condition["all"])
        if "any" in condition:
            return any(self.holds(child, contact) for child in condition["any"])
        if "not" in condition:
            return not self.holds(condition["not"], contact)
        if "field" in condition:
            name = condition["field"]
            return self.compare(contact[name], condition["op"], condition.get("value"), self.field_types[name])
        if "score" in condition:
            name = condition["score"]
            return self.compare(contact[name], condition["op"], condition.get("value"), self.field_types[name])
        if "subscription" in condition:
            return contact["subscription_status"] in as_list(condition["subscription"])
        if "tag" in condition:
            for row in self.rows("tags", contact_id):
                if row["tag"] != condition["tag"]:
                    continue
                if "min_score" in condition and not number(row["score"]) >= number(condition["min_score"]):
                    continue
                if "within_last_days" in condition:
                    last = to_date(row["last_tagged_date"])
                    if last is None or last < self.days_ago(condition["within_last_days"] - 1):
                        continue
                return True
            return False
        if "purchased" in condition or "not_purchased" in condition:
            options = condition.get("purchased", condition.get("not_purchased")) or {}
            found = any(True for _ in self.purchase_rows(options, contact_id))
            return found if "purchased" in condition else not found
        if "purchase_metric" in condition:
            return self.purchase_metric(condition, contact_id)
        if "first_order" in condition:
            return self.in_window(condition["first_order"]["window"], contact["first_valid_order_date"])
        if "event" in condition:
            return self.event(condition, contact_id)
        if "in_segment" in condition:
            return contact_id in self.segment_members(condition["in_segment"])
        if "not_in_segment" in condition:
            return contact_id not in self.segment_members(condition["not_in_segment"])
        key = condition.get("in_static_list", condition.get("not_in_static_list"))
        member = any(row["list_key"] == key for row in self.rows("static_members", contact_id))
        return member if "in_static_list" in condition else not member

    def purchase_rows(self, options: Mapping[str, Any], contact_id: str) -> Iterable[Mapping[str, Any]]:
        uses_lines = any(name in options for name in LINE_FILTERS)
        for row in self.rows("lines" if uses_lines else "orders", contact_id):
            if not self.in_window(options.get("window"), row["ordered_date"]):
                continue
            if all(row[column] in as_list(options[name]) for name, column in PURCHASE_FILTERS.items() if name in options):
                yield row

    def purchase_metric(self, condition: Mapping[str, Any], contact_id: str) -> bool:
        uses_lines = any(name in condition for name in LINE_FILTERS)
        rows = list(self.purchase_rows(condition, contact_id))
        orders = len({row["order_id"] for row in rows})
        total = sum((number(row["line_revenue" if uses_lines else "net_revenue"]) for row in rows), Decimal(0))
        op, expected = condition["op"], condition["value"]
        metric = condition["purchase_metric"]
        if metric == "order_count":
            return self.compare(orders, op, expected, "number")
        if metric == "total_spent":
            return self.compare(total, op, expected, "number")
        if orders == 0:
            return False
        # average order value = total / orders, compared exactly
        if op == "between":
            return number(expected[0]) * orders <= total <= number(expected[1]) * orders
        return self.compare(total, op, number(expected) * orders, "number")

    def event(self, condition: Mapping[str, Any], contact_id: str) -> bool:
        where = condition.get("where") or {}
        rows = []
        for row in self.rows("events", contact_id):
            if row["event_type"] != condition["event"]:
                continue
            if to_date(row["occurred_date"]) > self.as_of:  # type: ignore[operator]
                continue
            if "url_contains" in where and (row["url"] is None or where["url_contains"] not in row["url"]):
                continue
            if "url_matches" in where and (row["url"] is None or re.search(where["url_matches"], row["url"]) is None):
                continue
            if "machine_opens" in where and bool(row.get("is_machine_open") or False) is not where["machine_opens"]:
                continue
            if not all(row[column] in as_list(where[name]) for name, column in EVENT_FILTERS.items() if name in where):
                continue
            rows.append(row)
        if "last_within_days" in condition:
            return any(to_date(row["occurred_date"]) >= self.days_ago(condition["last_within_days"] - 1) for row in rows)  # type: ignore[operator]
        if "last_before_days" in condition:
            return bool(rows) and max(to_date(row["occurred_date"]) for row in rows) <= self.days_ago(
                condition["last_before_days"]
            )  # type: ignore[type-var,operator]
        count = sum(1 for row in rows if self.in_window(condition.get("window"), row["occurred_date"]))
        if "at_most" in condition:
            return count <= condition["at_most"]
        if "exactly" in condition:
            return count == condition["exactly"]
        return count >= condition.get("at_least", 1)
