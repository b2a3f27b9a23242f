"""The sample-data generator: deterministic, exact counts, realistic shape."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from orchestration.generator import allocate_orders, main

PROJECT_DIR = Path(__file__).resolve().parent.parent
SMALL = [
    "--contacts",
    "3000",
    "--orders",
    "24000",
    "--events",
    "120000",
    "--end-date",
    "2026-06-30",
    "--format",
    "csv",
    "--quiet",
]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("generated")
    assert main(["--out", str(out), *SMALL]) == 0
    return out


def good(frame: pd.DataFrame, key: str, pattern: str) -> pd.DataFrame:
    """The generator's good rows: keys of the plain form, first copy."""
    return frame[frame[key].fillna("").str.fullmatch(pattern)].drop_duplicates(key, keep="first")


def test_help_describes_the_options() -> None:
    process = subprocess.run(
        [sys.executable, "-m", "orchestration.generator", "--help"], capture_output=True, text=True, check=True
    )
    for option in ("--contacts", "--orders", "--events", "--end-date", "--format", "--bad-row-rate", "--seed"):
        assert option in process.stdout


def test_bad_arguments_are_refused_with_a_message(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--contacts", "0"])
    assert exit_info.value.code == 2
    assert "--contacts must be at least 1" in capsys.readouterr().err


def test_same_arguments_write_the_same_bytes(generated: Path, tmp_path: Path) -> None:
    assert main(["--out", str(tmp_path), *SMALL]) == 0
    for path in sorted(generated.glob("*.csv")):
        assert path.read_bytes() == (tmp_path / path.name).read_bytes(), path.name


def test_counts_are_exact_and_the_manifest_adds_up(generated: Path) -> None:
    manifest = json.loads((generated / "generation_manifest.json").read_text())
    injected: dict[str, int] = {}
    for item in manifest["bad_rows_injected"]:
        injected[item["entity"]] = injected.get(item["entity"], 0) + item["rows"]
    for entity, good_rows in (("contacts", 3000), ("orders", 24000), ("events", 120000)):
        frame = pd.read_csv(generated / f"{entity}.csv", dtype=str, keep_default_na=False)
        assert len(frame) == manifest["rows_written"][entity] == good_rows + injected[entity]
    reasons = {(item["entity"], item["rejection_reason"]) for item in manifest["bad_rows_injected"]}
    for expected in [
        ("contacts", "missing_required_value"),
        ("contacts", "unparseable_timestamp"),
        ("contacts", "duplicate_key"),
        ("orders", "negative_amount"),
        ("orders", "refund_exceeds_total"),
        ("orders", "unknown_currency"),
        ("orders", "unknown_contact"),
        ("orders", "future_timestamp"),
        ("order_lines", "unknown_order"),
        ("events", "unknown_contact"),
        ("events", "unknown_enumerated_value"),
        ("events", "duplicate"),
    ]:
        assert expected in reasons


def test_zero_bad_row_rate_injects_nothing(tmp_path: Path) -> None:
    main(["--out", str(tmp_path), "--contacts", "200", "--orders", "800", "--events", "2000", "--bad-row-rate", "0", "--quiet"])
    manifest = json.loads((tmp_path / "generation_manifest.json").read_text())
    assert manifest["bad_rows_injected"] == []
    assert manifest["rows_written"]["orders"] == 800


def test_orders_are_skewed_with_many_one_time_buyers(generated: Path) -> None:
    orders = good(pd.read_csv(generated / "orders.csv", dtype=str), "order_id", r"O\d+")
    per_buyer = orders.groupby("contact_id").size()
    assert 0.3 < (per_buyer == 1).mean() < 0.6, "many buyers buy once"
    revenue = (
        orders.assign(total=orders.total_amount.astype(float)).groupby("contact_id").total.sum().sort_values(ascending=False)
    )
    top_decile = revenue.head(len(revenue) // 10).sum() / revenue.sum()
    assert top_decile > 0.35, f"a few heavy spenders hold much of the revenue (top 10%: {top_decile:.0%})"


def test_orders_peak_in_november_and_december(generated: Path) -> None:
    orders = good(pd.read_csv(generated / "orders.csv", dtype=str), "order_id", r"O\d+")
    month = pd.to_datetime(orders.ordered_at, utc=True, format="ISO8601").dt.month
    # same number of contacts at risk in both windows is not guaranteed (the base
    # grows), so compare the peak months with the months just before them
    assert month.isin([11, 12]).sum() / 2 > 1.2 * month.isin([8, 9]).sum() / 2


def test_engagement_rises_with_buying_and_some_visitors_are_anonymous(generated: Path) -> None:
    events = good(pd.read_csv(generated / "events.csv", dtype=str), "event_id", r"E\d+")
    orders = good(pd.read_csv(generated / "orders.csv", dtype=str), "order_id", r"O\d+")
    contacts = good(pd.read_csv(generated / "contacts.csv", dtype=str), "contact_id", r"C\d+")
    anonymous_share = events.contact_id.isna().mean()
    assert 0.06 < anonymous_share < 0.10
    per_contact = events.groupby("contact_id").size().reindex(contacts.contact_id, fill_value=0)
    is_buyer = contacts.contact_id.isin(orders.contact_id).to_numpy()
    assert per_contact[is_buyer].mean() > 1.5 * per_contact[~is_buyer].mean()


def test_opens_and_clicks_answer_a_send_and_contacts_differ_in_responsiveness(generated: Path) -> None:
    """Campaign responsiveness needs emails that are answered: every open and click names a campaign that
    was sent to its contact at or before it, a campaign goes to many contacts at once, and contacts answer
    in their own proportion (some rarely, some almost always), not all at one rate."""
    events = good(pd.read_csv(generated / "events.csv", dtype=str), "event_id", r"E\d+")
    events = events[events.contact_id.fillna("").str.fullmatch(r"C\d+")]
    events = events.assign(occurred=pd.to_datetime(events.occurred_at, utc=True, format="ISO8601"))
    sends = events[events.event_type == "email_sent"]
    first_send = sends.groupby(["contact_id", "campaign_id"]).occurred.min().rename("first_send")
    answers = events[events.event_type.isin(["email_open", "email_click"])].join(first_send, on=["contact_id", "campaign_id"])
    assert len(answers) > 10_000
    assert (answers.occurred >= answers.first_send).all(), "an open or click without an earlier send of its campaign"
    assert sends.groupby("campaign_id").contact_id.nunique().median() > 20
    per_contact = events[events.event_type.str.startswith("email_")].groupby("contact_id").event_type
    share = per_contact.apply(lambda types: types.isin(["email_open", "email_click"]).mean())[per_contact.size() >= 10]
    assert share.quantile(0.1) < 0.25 and share.quantile(0.9) > 0.6


def test_allocation_gives_one_time_buyers_exactly_one_order() -> None:
    import numpy as np

    rng = np.random.default_rng(1)
    weights = np.array([0.0, 1.0, 1.0, 5.0, 0.0, 2.0] * 50)
    allocated = allocate_orders(rng, 1000, weights)
    assert allocated.sum() == 1000
    assert (allocated[weights == 0] == 0).all()
    assert (allocated[weights > 0] >= 1).all()
    # too few orders for the one-order/two-order floor: still exact
    assert allocate_orders(rng, 10, weights).sum() == 10
