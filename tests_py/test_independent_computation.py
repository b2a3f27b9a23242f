"""dim_contacts agrees exactly with an independent pandas computation written
from the documented definitions, on generated data with bad rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest

from conftest import SAMPLE_AS_OF, SAMPLE_GENERATE, Workspace
from reference import expected_dim_contacts

pytestmark = pytest.mark.build


def test_dim_contacts_matches_the_pandas_reference(sample_warehouse: Workspace) -> None:
    assert_dim_contacts_match(sample_warehouse, dt.date.fromisoformat(SAMPLE_AS_OF), "UTC")


def test_dim_contacts_matches_the_pandas_reference_in_another_time_zone(workspace: Workspace) -> None:
    """Local days in Tokyo, an earlier as-of date, and the data tests on this configuration."""
    workspace.generate(*SAMPLE_GENERATE)
    as_of = dt.date(2026, 3, 31)
    workspace.build(tests=True, vars={"as_of_date": as_of.isoformat(), "reporting_timezone": "Asia/Tokyo"})
    assert_dim_contacts_match(workspace, as_of, "Asia/Tokyo")


def assert_dim_contacts_match(workspace: Workspace, as_of: dt.date, zone: str) -> None:
    actual = (
        workspace.query(
            "select contact_id, valid_orders, net_revenue, first_valid_order_date, last_valid_order_date from marts.dim_contacts"
        )
        .set_index("contact_id")
        .sort_index()
    )
    expected = expected_dim_contacts(workspace.raw, as_of, zone).sort_index()
    assert list(actual.index) == list(expected.index), "the same contacts exist as of the date"
    assert (actual.valid_orders.to_numpy() == expected.valid_orders.to_numpy()).all()
    actual_revenue = [Decimal(str(value)).quantize(Decimal("0.01")) for value in actual.net_revenue]
    assert actual_revenue == list(expected.net_revenue)
    for column in ("first_valid_order_date", "last_valid_order_date"):
        got = [None if pd.isna(value) else pd.Timestamp(value).date() for value in actual[column]]
        want = [None if pd.isna(value) else value for value in expected[column]]
        assert got == want, column
    assert (expected.valid_orders > 0).sum() > 1000, "the comparison covers many customers"
