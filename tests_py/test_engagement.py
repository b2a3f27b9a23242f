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


def test_campaign_responsiveness_matches_a_pandas_computation(sample_warehouse: Workspace) -> None:
    """contact_ and campaign_responsiveness from the events, as documented: the campaigns emailed in the 90
    days ending on the as-of date, opened (a human open or a click on or after the first send; machine opens
    apart) and clicked, and the rates."""
    as_of = dt.date.fromisoformat(SAMPLE_AS_OF)
    events = sample_warehouse.query(
        "select contact_id, campaign_id, event_type, occurred_date, coalesce(is_machine_open, false) as machine"
        " from marts.fct_engagement_events where campaign_id is not null and contact_id is not null"
    )
    events["occurred_date"] = pd.to_datetime(events["occurred_date"]).dt.date
    sends = events[(events.event_type == "email_sent") & (events.occurred_date > as_of - dt.timedelta(days=90))]
    pairs = sends.groupby(["contact_id", "campaign_id"]).agg(first_sent=("occurred_date", "min"), sends=("event_type", "size"))
    responses = events[events.event_type.isin(["email_open", "email_click"])].merge(
        pairs.reset_index(), on=["contact_id", "campaign_id"]
    )
    responses = responses[responses.occurred_date >= responses.first_sent]
    key = ["contact_id", "campaign_id"]
    human = responses[(responses.event_type == "email_open") & ~responses.machine].groupby(key).size()
    machine = responses[(responses.event_type == "email_open") & responses.machine].groupby(key).size()
    clicks = responses[responses.event_type == "email_click"].groupby(key).size()
    pairs["human_opens"] = human.reindex(pairs.index, fill_value=0)
    pairs["machine_opens"] = machine.reindex(pairs.index, fill_value=0)
    pairs["clicks"] = clicks.reindex(pairs.index, fill_value=0)
    pairs["opened"] = (pairs.human_opens + pairs.clicks) > 0
    pairs["clicked"] = pairs.clicks > 0
    assert len(pairs) > 1000 and pairs.machine_opens.sum() > 0 and pairs.opened.sum() > 0

    def rate(part: pd.Series, whole: pd.Series) -> pd.Series:
        return (100.0 * part / whole.where(whole > 0)).astype(float)

    for mart, level, prefix in (("contact_campaign_responsiveness", "contact_id", "campaigns"),
                                ("campaign_responsiveness", "campaign_id", "contacts")):  # fmt: skip
        grouped = pairs.groupby(level=level)
        expected = pd.DataFrame({
            f"{prefix}_sent": grouped.size(),
            "emails_sent": grouped.sends.sum(),
            f"{prefix}_opened": grouped.opened.sum(),
            f"{prefix}_clicked": grouped.clicked.sum(),
            "human_opens": grouped.human_opens.sum(),
            "machine_opens": grouped.machine_opens.sum(),
            "clicks": grouped.clicks.sum(),
        })  # fmt: skip
        expected["open_rate_pct"] = rate(expected[f"{prefix}_opened"], expected[f"{prefix}_sent"])
        expected["click_rate_pct"] = rate(expected[f"{prefix}_clicked"], expected[f"{prefix}_sent"])
        expected["click_to_open_rate_pct"] = rate(expected[f"{prefix}_clicked"], expected[f"{prefix}_opened"])
        built = sample_warehouse.query(f"select * from marts.{mart}").set_index(level).sort_index()
        expected = expected.sort_index()
        assert list(built.index) == list(expected.index), mart
        for column in expected.columns:
            if column.endswith("_pct"):
                pd.testing.assert_series_equal(built[column].astype(float), expected[column], check_names=False, rtol=1e-12)
            else:
                assert (built[column].astype(int) == expected[column].astype(int)).all(), (mart, column)
