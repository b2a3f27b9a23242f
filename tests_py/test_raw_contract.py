"""The raw contract is defined once (the sources YAML); everything else agrees with it."""

from __future__ import annotations

import ast
import csv
import re
from pathlib import Path

from orchestration.lib.raw_contract import load_contract

PROJECT_DIR = Path(__file__).resolve().parent.parent


def test_required_files_and_columns_are_those_of_the_contract() -> None:
    contract = load_contract()
    assert {name for name, entity in contract.items() if entity.required_file} == {"contacts", "orders"}
    assert set(contract) == {"contacts", "orders", "order_lines", "products", "events", "contact_tags"}
    assert contract["contacts"].required_columns == ["contact_id", "created_at", "subscription_status"]
    assert contract["orders"].required_columns == ["order_id", "contact_id", "ordered_at", "status", "currency", "total_amount"]
    assert contract["events"].required_columns == ["event_id", "event_type", "occurred_at"]
    assert "score" not in contract["contact_tags"].required_columns


def test_each_base_model_reads_exactly_the_contract_columns() -> None:
    contract = load_contract()
    for entity in contract.values():
        path = next(PROJECT_DIR.glob(f"models/staging/*/base/base_*__{entity.name}_validated.sql"))
        match = re.search(r"set raw_columns = (\[.*?\])", path.read_text(), re.DOTALL)
        assert match, path
        assert ast.literal_eval(match.group(1)) == entity.column_names, path.name


def test_rejection_reasons_seed_matches_the_macro() -> None:
    with (PROJECT_DIR / "seeds/rejection_reasons.csv").open() as handle:
        seeded = [row["rejection_reason"] for row in sorted(csv.DictReader(handle), key=lambda row: int(row["precedence"]))]
    macro = (PROJECT_DIR / "macros/staging/validation.sql").read_text()
    listed = re.search(r"macro rejection_reason_codes\(\).*?return\((\[.*?\])\)", macro, re.DOTALL)
    assert listed
    assert ast.literal_eval(listed.group(1)) == seeded
