"""dim_contacts agrees exactly with an independent pandas computation written
from the documented definitions, on generated data with bad rows (in another
time zone: test_rfm.py); every dbt test runs on the shared sample build."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from conftest import SAMPLE_AS_OF, Workspace
from reference import assert_dim_contacts_match

pytestmark = pytest.mark.build


def test_dim_contacts_matches_the_pandas_reference(sample_warehouse: Workspace) -> None:
    assert_dim_contacts_match(sample_warehouse.query, sample_warehouse.raw, dt.date.fromisoformat(SAMPLE_AS_OF), "UTC")


def test_every_unit_and_data_test_ran_on_the_sample_build(sample_warehouse: Workspace) -> None:
    """The shared sample is the suite's one build with every dbt test: the unit tests (which prove the SQL on
    fixed rows) and the data tests (the invariants) all ran there, and passed."""
    manifest = json.loads((sample_warehouse.root / "target" / "manifest.json").read_text())
    results = json.loads((sample_warehouse.root / "target" / "run_results.json").read_text())["results"]
    ran = {result["unique_id"]: result["status"] for result in results}
    for kind, declared in (("unit", manifest["unit_tests"]), ("data", [i for i in manifest["nodes"] if i.startswith("test.")])):
        assert len(declared) > 50, kind
        assert {unique_id: ran.get(unique_id) for unique_id in declared} == dict.fromkeys(declared, "pass"), kind
