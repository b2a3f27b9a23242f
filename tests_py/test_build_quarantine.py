"""End to end: bad raw rows land in quarantine with the right reason, and for
every entity raw rows = staged rows + rejected rows."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from conftest import Workspace

pytestmark = pytest.mark.build


def test_generated_bad_rows_land_in_quarantine_with_their_reasons(sample_warehouse: Workspace) -> None:
    workspace = sample_warehouse
    manifest = json.loads((workspace.raw / "generation_manifest.json").read_text())
    expected = {(item["entity"], item["rejection_reason"]): item["rows"] for item in manifest["bad_rows_injected"]}
    rejected = workspace.query("select entity, rejection_reason, count(*) as n from marts.rejected_rows group by all")
    assert {(row.entity, row.rejection_reason): row.n for row in rejected.itertuples()} == expected
    counts = workspace.query("select * from marts.raw_row_counts").set_index("entity")
    for entity, written in manifest["rows_written"].items():
        on_disk = len(pd.read_csv(workspace.raw / f"{entity}.csv", dtype=str))
        assert counts.loc[entity, "raw_rows"] == written == on_disk
        assert counts.loc[entity, "staged_rows"] + counts.loc[entity, "rejected_rows"] == on_disk
    assert counts.is_reconciled.all()
    assert_every_model_and_column_is_described(workspace)


def assert_every_model_and_column_is_described(workspace: Workspace) -> None:
    """Each built model has a description, and its documented columns are its
    actual columns, each with a description; each macro is described."""
    manifest = json.loads((workspace.root / "target" / "manifest.json").read_text())
    actual = workspace.query("select table_schema, table_name, column_name from information_schema.columns")
    checked = 0
    for node in manifest["nodes"].values():
        if node["resource_type"] not in ("model", "seed") or node["package_name"] != "customer_segments":
            continue
        assert node["description"].strip(), f"{node['name']} has no description"
        documented = {name: column["description"] for name, column in node["columns"].items()}
        built = actual[(actual.table_schema == node["schema"]) & (actual.table_name == node["alias"])].column_name
        assert set(built) == set(documented), f"{node['name']}: built {sorted(built)} but documented {sorted(documented)}"
        assert all(text.strip() for text in documented.values()), f"{node['name']} has an undescribed column"
        checked += 1
    assert checked >= 30
    macros = [
        macro
        for macro in manifest["macros"].values()
        if macro["package_name"] == "customer_segments" and "__" not in macro["name"] and not macro["name"].startswith("test_")
    ]
    undocumented = sorted(macro["name"] for macro in macros if not macro["description"].strip())
    assert not undocumented, f"macros without a description in macros/_macros.yml: {undocumented}"
    assert len(macros) >= 40


HAND_WRITTEN = {
    "contacts": pd.DataFrame(
        [
            ["c1", " Ann@Example.com ", 'Ann, "the"\nfirst', "2024-01-01T10:00:00+02:00", "subscribed", "pl", "2024-01-05"],
            ["c2", "bo@x.com", "Bo", "2024-01-02", "unsubscribed", "DE", "2024-01-02"],
            ["c2", "bo.old@x.com", "Bo", "2024-01-02", "unsubscribed", "DE", "2023-12-31"],
            ["", "nokey@x.com", "Nokey", "2024-01-02", "subscribed", None, None],
            ["c3", None, "Cy", "yesterday", "subscribed", None, None],
            ["c4", None, "Di", "2024-01-03", "maybe", None, None],
            ["c5", None, "Ed", "2099-01-01", "subscribed", None, None],
            ["c6", None, "Fa", "2024-01-03", "subscribed", "Poland", None],
            ["c1", " Ann@Example.com ", 'Ann, "the"\nfirst', "2024-01-01T10:00:00+02:00", "subscribed", "pl", "2024-01-05"],
        ],
        columns=["contact_id", "email", "first_name", "created_at", "subscription_status", "country_code", "updated_at"],
    ),
    "orders": pd.DataFrame(
        [
            ["o1", "c1", "2024-02-01T09:00:00", "completed", "EUR", "100.00", "10.00", "web"],
            ["o2", "c1", "2024-02-02", "completed", "GBP", "50", None, "app"],
            ["o3", "c9", "2024-02-02", "completed", "EUR", "50", None, "web"],
            ["o4", "c1", "2024-02-02", "completed", "EUR", "-5", None, "web"],
            ["o5", "c1", "2024-02-02", "completed", "EUR", "5", "6", "web"],
            ["o6", "c1", "2024-02-02", "completed", "ZZZ", "5", None, "web"],
            ["o7", "c1", "2024-02-02", "lost", "EUR", "5", None, "web"],
            ["o8", "c1", "2024-02-02", "completed", "EUR", "5 EUR", None, "web"],
            ["o9", "c1", "2100-02-02", "completed", "EUR", "5", None, "web"],
            ["o10", None, "2024-02-02", "completed", "EUR", "5", None, "web"],
            ["o11", "c3", "2024-02-02", "completed", "EUR", "5", None, "web"],
        ],
        columns=["order_id", "contact_id", "ordered_at", "status", "currency", "total_amount", "refunded_amount", "channel"],
    ),
    "order_lines": pd.DataFrame(
        [
            ["o1", "1", "p1", "2", "50"],
            ["o404", "1", "p1", "1", "5"],
            ["o1", "2", "p2", "-1", "5"],
            ["o1", "3", "p2", "1", "5"],
            ["o1", "3", "p9", "1", "6"],
        ],
        columns=["order_id", "line_number", "product_id", "quantity", "unit_price"],
    ),
    "events": pd.DataFrame(
        [
            ["e1", "c1", "email_open", "2024-02-01", "true"],
            ["e2", None, "page_view", "2024-02-01", None],
            ["e3", "ghost", "page_view", "2024-02-01", None],
            ["e4", "c1", "fax_sent", "2024-02-01", None],
            ["e5", "c1", "email_open", "2024-02-01", "sometimes"],
            ["e1", "c1", "email_open", "2024-01-01", "true"],
        ],
        columns=["event_id", "contact_id", "event_type", "occurred_at", "is_machine_open"],
    ),
    "contact_tags": pd.DataFrame(
        [["c1", "vip", "2024-01-01", "5"], ["ghost", "vip", None, None], ["c1", "big", None, "lots"]],
        columns=["contact_id", "tag", "tagged_at", "score"],
    ),
    "products": pd.DataFrame(
        [["p1", "Pill", "-1"], ["p2", "Pot", "3.50"], [None, "Nameless", "1"]], columns=["product_id", "product_name", "price"]
    ),
}
EXPECTED_REJECTIONS = {
    ("contacts", "c1", "duplicate", "contact_id"),
    ("contacts", "c2", "duplicate_key", "contact_id"),
    ("contacts", None, "missing_required_value", "contact_id"),
    ("contacts", "c3", "unparseable_timestamp", "created_at"),
    ("contacts", "c4", "unknown_enumerated_value", "subscription_status"),
    ("contacts", "c5", "future_timestamp", "created_at"),
    ("contacts", "c6", "invalid_code", "country_code"),
    ("orders", "o3", "unknown_contact", "contact_id"),
    ("orders", "o4", "negative_amount", "total_amount"),
    ("orders", "o5", "refund_exceeds_total", "refunded_amount"),
    ("orders", "o6", "unknown_currency", "currency"),
    ("orders", "o7", "unknown_enumerated_value", "status"),
    ("orders", "o8", "unparseable_number", "total_amount"),
    ("orders", "o9", "future_timestamp", "ordered_at"),
    ("orders", "o10", "missing_required_value", "contact_id"),
    ("orders", "o11", "unknown_contact", "contact_id"),
    ("order_lines", "o404|1", "unknown_order", "order_id"),
    ("order_lines", "o1|2", "invalid_quantity", "quantity"),
    ("events", "e3", "unknown_contact", "contact_id"),
    ("events", "e4", "unknown_enumerated_value", "event_type"),
    ("events", "e5", "unparseable_boolean", "is_machine_open"),
    ("events", "e1", "duplicate_key", "event_id"),
    ("contact_tags", "ghost|vip", "unknown_contact", "contact_id"),
    ("contact_tags", "c1|big", "unparseable_number", "score"),
    ("products", "p1", "negative_amount", "price"),
    ("products", None, "missing_required_value", "product_id"),
}


def test_each_kind_of_bad_row_is_quarantined_with_its_reason(workspace: Workspace) -> None:
    for entity, frame in HAND_WRITTEN.items():
        workspace.write_csv(entity, frame)
    workspace.build(vars={"as_of_date": "2024-12-31", "max_rejected_share": 1})
    rejected = workspace.query("select * from marts.rejected_rows")
    found = {
        (r.entity, None if pd.isna(r.record_key) else r.record_key, r.rejection_reason, r.rejected_column)
        for r in rejected.itertuples()
    }
    # two versions of line o1|3 with no timestamp: one is kept, one is a duplicate_key
    line_versions = {row for row in found if row[1] == "o1|3"}
    assert line_versions == {("order_lines", "o1|3", "duplicate_key", "order_id, line_number")}
    assert found - line_versions == EXPECTED_REJECTIONS
    # the raw record is valid JSON with the raw text, even with quotes and a newline
    duplicate = rejected[(rejected.entity == "contacts") & (rejected.rejection_reason == "duplicate")].raw_record.item()
    assert json.loads(duplicate)["first_name"] == 'Ann, "the"\nfirst'
    assert json.loads(duplicate)["email"] == " Ann@Example.com "
    counts = workspace.query("select * from marts.raw_row_counts").set_index("entity")
    for entity, frame in HAND_WRITTEN.items():
        assert counts.loc[entity, "raw_rows"] == len(frame)
        assert counts.loc[entity, "staged_rows"] + counts.loc[entity, "rejected_rows"] == len(frame)
    # what survives is cleaned and converted
    contact = workspace.query("select * from marts.dim_contacts where contact_id = 'c1'").iloc[0]
    assert contact.email == "ann@example.com" and contact.country_code == "PL"
    assert str(contact.created_at) == "2024-01-01 08:00:00"
    orders = workspace.query("select order_id, net_revenue, units, line_count from marts.fct_orders order by order_id").set_index(
        "order_id"
    )
    assert float(orders.loc["o1", "net_revenue"]) == 90.00
    assert float(orders.loc["o2", "net_revenue"]) == round(50 * 1.27 / 1.08, 2)
    assert orders.loc["o1", "line_count"] == 2
