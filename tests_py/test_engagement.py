"""Engagement scores, levels, opportunity groups and engaged status agree
exactly with an independent pandas computation written from the documented
definitions, on generated data with bad rows."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from conftest import SAMPLE_AS_OF, Workspace
from reference import expected_engagement

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
