"""The benchmark's peers (orchestration/lib/peers.py): pandas, Polars and one
DuckDB query, each written from the documented scoring definitions, must give
the project's RFM and engagement scores row for row on the shared sample, and
the comparison must name what differs."""

from __future__ import annotations

import duckdb
import pytest

from orchestration.lib import peers
from tests_py.conftest import Workspace


def test_every_peer_equals_the_project_on_the_sample(sample_warehouse: Workspace) -> None:
    results = peers.compare(sample_warehouse.database, None)
    scored = sample_warehouse.query("select count(*) as n from intermediate.int_customers_rfm_personas").n[0]
    contacts = sample_warehouse.query("select count(*) as n from intermediate.int_contacts_engagement_scored").n[0]
    assert results["rfm"]["rows"] == scored > 1000
    assert results["engagement"]["rows"] == contacts > scored
    # every date the build scores (the as-of date, the movement start, the backtest's cutoff for RFM), not only
    # the as-of date
    dates = sample_warehouse.query(
        "select count(*) as n, count(*) filter (where is_engagement_date) as engagement from intermediate.int_score_dates"
    )
    assert results["rfm"]["score_dates"] == dates.n[0] >= 3
    assert results["engagement"]["score_dates"] == dates.engagement[0] == dates.n[0] - 1 >= 2
    for stage in ("rfm", "engagement"):
        assert {"pandas", "polars", "duckdb"} <= set(results[stage])


def test_a_difference_names_the_table_key_and_column(sample_warehouse: Workspace) -> None:
    with duckdb.connect(str(sample_warehouse.database), read_only=True) as connection:
        expected = peers.project_rfm(connection)
    changed = expected.copy()
    row = len(changed) // 2
    changed.loc[row, "persona"] = "Someone else"
    with pytest.raises(peers.PeerMismatch) as raised:
        peers.assert_same("pandas", "int_customers_rfm_personas", expected, changed, peers.RFM_COLUMNS)
    message = str(raised.value)
    assert "column persona" in message and str(changed.contact_id[row]) in message
    with pytest.raises(peers.PeerMismatch, match="rows"):
        peers.assert_same("polars", "int_customers_rfm_personas", expected, changed.iloc[1:], peers.RFM_COLUMNS)
    a_cent_more = expected.assign(monetary_cents=expected.monetary_cents + (expected.index == row))
    with pytest.raises(peers.PeerMismatch, match="column monetary_cents"):
        peers.assert_same("duckdb", "int_customers_rfm_personas", expected, a_cent_more, peers.RFM_COLUMNS)
