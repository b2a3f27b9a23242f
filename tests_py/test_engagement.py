"""Engagement scores, levels, opportunity groups and engaged status agree
exactly with an independent pandas computation written from the documented
definitions, on generated data with bad rows."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from conftest import SAMPLE_AS_OF, Workspace
from reference import expected_engagement, expected_engagement_changes

pytestmark = pytest.mark.build


def values(series: pd.Series) -> list[object]:
    return [None if (not isinstance(value, str) and pd.isna(value)) else value for value in series]


def test_engagement_and_opportunity_groups_match_the_pandas_reference(sample_warehouse: Workspace) -> None:
    workspace = sample_warehouse
    as_of = dt.date.fromisoformat(SAMPLE_AS_OF)
    expected = expected_engagement(workspace.raw, as_of).sort_index()

    scores = workspace.query("select * from marts.erfm_scores order by contact_id").set_index("contact_id")
    assert list(scores.index) == list(expected.index), "every contact existing as of the date is scored"
    for column in ("engagement_points", "engagement_level", "persona", "contact_type", "purchase_phase", "opportunity_group"):
        got, want = values(scores[column]), values(expected[column])
        differ = [(c, g, w) for c, g, w in zip(scores.index, got, want, strict=True) if g != w]
        assert not differ, f"{column}: {len(differ)} contacts differ, e.g. {differ[:5]}"
    assert (scores.engagement_score.to_numpy() == expected.engagement_score.to_numpy()).all()

    status = workspace.query("select * from marts.engagement_status order by contact_id").set_index("contact_id")
    for column in ("engagement_status", "interactions_last_30_days", "interactions_last_60_days", "interactions_last_90_days"):
        got, want = values(status[column]), values(expected[column])
        differ = [(c, g, w) for c, g, w in zip(status.index, got, want, strict=True) if g != w]
        assert not differ, f"{column}: {len(differ)} contacts differ, e.g. {differ[:5]}"
    got_last = [None if pd.isna(v) else pd.Timestamp(v).date() for v in status.last_interaction_date]
    assert got_last == values(expected.last_interaction_date)

    # the dashboard from the same reference
    tiles = workspace.query("select * from marts.opportunity_tiles").set_index("opportunity_group").contacts
    counts = expected.opportunity_group.value_counts()
    assert {g: int(n) for g, n in tiles.items() if n} == {g: int(n) for g, n in counts.items()}
    summary = workspace.query("select * from marts.opportunity_summary").iloc[0]
    assert summary.opportunities == int(expected.opportunity_group.notna().sum())
    assert summary.contacts == len(expected)

    # the comparison means something
    levels = expected.engagement_level.value_counts()
    assert all(levels.get(level, 0) > 50 for level in ("Lightly engaged", "Moderately engaged", "Most engaged"))
    assert (expected.engagement_status == "Engaged").sum() > 100 and (expected.engagement_status == "Non-engaged").sum() > 100


def test_engagement_status_changes_match_the_pandas_reference(sample_warehouse: Workspace) -> None:
    """Counts per subscription status and all contacts, and the percentages from them (of the start)."""
    as_of = dt.date.fromisoformat(SAMPLE_AS_OF)
    expected = expected_engagement_changes(sample_warehouse.raw, as_of)
    mart = sample_warehouse.query("select * from marts.engagement_status_changes").set_index(
        ["contact_group", "engagement_status"]
    )
    groups = mart[mart.end_contacts + mart.start_contacts > 0]
    pd.testing.assert_frame_equal(groups[expected.columns].sort_index(), expected, check_dtype=False)
    assert (mart.drop(expected.index).end_contacts == 0).all(), "a group without contacts has zeros"
    assert expected.loc["All contacts"].unsubscribed_in_period.sum() > 0, "the data has unsubscribes in the period"
    percentages = {"net_change": "net_change_pct", "new_contacts": "new_contacts_pct", "moved_in": "moved_in_pct",
                   "moved_out": "moved_out_pct", "unsubscribed_in_period": "unsubscribed_pct"}  # fmt: skip
    for count, percentage in percentages.items():
        want = 100.0 * mart[count] / mart.start_contacts.where(mart.start_contacts > 0)
        pd.testing.assert_series_equal(mart[percentage], want, check_names=False, check_dtype=False)
