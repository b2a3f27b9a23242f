"""The project's structure, read from the manifest dbt parse writes.

The DAG only points down: staging -> intermediate -> marts -> segments ->
segment_insights (docs/development.md "Layout"). The layer of a model is the first
folder under models/; an intermediate model never reads a mart, and no model
reads a model of a later layer.

Each check has one owner (DECISIONS.md "dbt tests and Great Expectations: one
owner per check"): no Great Expectations expectation repeats a dbt test on the
same mart column."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from conftest import PARSE_TIME_VARS, PROJECT_DIR, ParseFailure, parsed_manifest
from orchestration.lib.quality.suites import Declared, SuiteSettings, build_suites

LAYERS = ["staging", "intermediate", "marts", "segments", "segment_insights"]


def layer(node: dict[str, Any]) -> str:
    return Path(node["original_file_path"]).parts[1]


def layer_violations(manifest: dict[str, Any]) -> list[str]:
    """Every model that reads a model of a later layer, or that lives outside the layers."""
    nodes = manifest["nodes"]
    problems = []
    for unique_id, node in sorted(nodes.items()):
        if node["resource_type"] != "model":
            continue
        own = layer(node)
        if own not in LAYERS:
            problems.append(f"{node['original_file_path']}: not in a layer folder ({', '.join(LAYERS)})")
            continue
        for parent_id in node["depends_on"]["nodes"]:
            parent = nodes.get(parent_id)
            if parent is None or parent["resource_type"] != "model" or layer(parent) not in LAYERS:
                continue  # a parent outside the layers is reported on its own
            if LAYERS.index(layer(parent)) > LAYERS.index(own):
                problems.append(f"{unique_id} ({own}) reads {parent_id} ({layer(parent)})")
    return problems


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    """The project's manifest as `dbt parse` writes it (target/manifest.json), from the worker's parse."""
    parsed = parsed_manifest(PROJECT_DIR, "parse.duckdb")
    assert not isinstance(parsed, ParseFailure), parsed
    return parsed.writable_manifest().to_dict()


def test_every_model_reads_only_its_own_or_an_earlier_layer(manifest: dict[str, Any]) -> None:
    assert layer_violations(manifest) == []


def test_a_planted_intermediate_to_mart_ref_is_caught(manifest: dict[str, Any]) -> None:
    planted = copy.deepcopy(manifest)
    nodes = planted["nodes"]
    intermediate = next(i for i, n in sorted(nodes.items()) if n["resource_type"] == "model" and layer(n) == "intermediate")
    mart = next(i for i, n in sorted(nodes.items()) if n["resource_type"] == "model" and layer(n) == "marts")
    nodes[intermediate]["depends_on"]["nodes"].append(mart)
    assert layer_violations(planted) == [f"{intermediate} (intermediate) reads {mart} (marts)"]
    stray = next(iter(i for i, n in nodes.items() if n["resource_type"] == "model"))
    nodes[stray]["original_file_path"] = "models/misc/" + Path(nodes[stray]["original_file_path"]).name
    assert any("not in a layer folder" in problem for problem in layer_violations(planted))


def dbt_column_tests(manifest: dict[str, Any]) -> set[tuple[str, str, str]]:
    """(mart, column or column list, test) of every generic dbt test on a mart."""
    found = set()
    for node in manifest["nodes"].values():
        metadata = node.get("test_metadata") or {}
        attached = (node.get("attached_node") or "").split(".")[-1]
        if node["resource_type"] != "test" or not metadata or not attached:
            continue
        arguments = metadata.get("kwargs") or {}
        columns = arguments.get("combination") or arguments.get("combination_of_columns")
        column = ",".join(sorted(columns)) if columns else node.get("column_name") or ""
        found.add((attached, column, metadata["name"]))
    return found


def repeated_expectations(manifest: dict[str, Any], declarations: dict[str, Declared] | None = None) -> list[str]:
    """Row expectations of the GX suites that a dbt test on the same mart column already makes."""
    dbt_tests = dbt_column_tests(manifest)
    same = {
        "expect_column_values_to_not_be_null": {"not_null"},
        "expect_column_values_to_be_unique": {"unique"},
        "expect_column_values_to_be_in_set": {"accepted_values", "relationships"},
        "expect_compound_columns_to_be_unique": {"unique_combination_of_columns"},
    }
    repeated = []
    for suite in build_suites(SuiteSettings(as_of_date="2000-01-01"), declarations):
        for frame in suite.frames:
            for expectation in frame.expectations:
                kind = expectation.expectation_type
                column = getattr(expectation, "column", None) or ",".join(sorted(getattr(expectation, "column_list", None) or []))
                if column == "as_of_date" or kind not in same:
                    continue
                if any((suite.mart, column, test) in dbt_tests for test in same[kind]):
                    repeated.append(f"{suite.mart}.{column}: {kind}")
    return repeated


def test_no_great_expectations_expectation_repeats_a_dbt_test(manifest: dict[str, Any]) -> None:
    assert repeated_expectations(manifest) == []
    # planted: rfm_scores.persona has a dbt relationships test, so a GX value set on it repeats it
    planted = {"rfm_scores": Declared(sets={"persona": "personas"})}
    assert repeated_expectations(manifest, planted) == ["rfm_scores.persona: expect_column_values_to_be_in_set"]


# A value other than the default for each var of dbt_project.yml (types follow the defaults). Every var
# needs one here: a var this test has not tried may change the manifest unseen.
OTHER_VALUES: dict[str, object] = {
    "as_of_date": "2026-03-31", "reporting_timezone": "Asia/Tokyo", "reporting_currency": "USD",
    "future_timestamp_tolerance_days": 3, "max_rejected_share": 0.25, "include_zero_value_orders": True,
    "raw_source_mode": "tables", "raw_csv_delimiter": ";", "raw_csv_encoding": "windows-1252",
    "raw_csv_encodings": {"orders": "latin-1"}, "rfm_scoring_method": "thresholds", "rfm_recency_bins": 4,
    "rfm_frequency_bins": 4, "rfm_monetary_bins": 4, "rfm_lookback_days": 365, "movement_start_date": "2026-01-31",
    "movement_end_date": "2026-02-28", "decision_window_days": 14, "include_machine_opens": True,
    "engagement_level_method": "thresholds", "engagement_moderately_min_score": 6, "engagement_most_min_score": 20,
    "engaged_window_days": 60, "engagement_changes_days": 14, "sunset_after_days": 90,
    "segment_insights_window_days": 180, "segment_revenue_months": 12, "segment_breakdown_attributes": ["country"],
    "age_band_edges": [20, 40, 60], "compare_segments": ["cart_abandoners"], "rfm_quantile_count": 20,
    "churn_risk_high_below": 0.2, "churn_risk_medium_below": 0.6, "backtest_cutoff_date": "2025-06-30",
    "backtest_holdout_days": 90, "sunset_campaign_days": 14, "sunset_campaign_ids": ["sunset"], "campaign_window_days": 30,
}  # fmt: skip


def _comparable(manifest: Any) -> dict[str, Any]:
    """What a command reads from dbt's manifest: nodes, sources, exposures and unit tests. Left out: the time
    each was parsed, and what the parser saw a model call on its way (the `ref` calls as made, which a var
    may repeat, and the macros): dbt runs on the resolved dependencies, `depends_on.nodes`."""
    ignored = {"created_at", "refs", "macros"}

    def without_times(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: without_times(item) for key, item in value.items() if key not in ignored}
        if isinstance(value, list):
            return [without_times(item) for item in value]
        return value

    written = manifest.writable_manifest().to_dict(omit_none=True)
    return without_times({key: written[key] for key in ("nodes", "sources", "exposures", "unit_tests")})


def test_only_the_parse_time_vars_change_the_manifest() -> None:
    """The tests run dbt commands on one parse of the project whatever their vars (conftest.Workspace.dbt),
    except for PARSE_TIME_VARS. That is sound while no other var changes what dbt parses: a parse with another
    value of every other var gives the same manifest."""
    import yaml

    declared = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]
    assert sorted(set(declared) - set(OTHER_VALUES) - PARSE_TIME_VARS) == [], "give these vars another value here"
    other = {name: value for name, value in OTHER_VALUES.items() if name not in PARSE_TIME_VARS}
    assert all(value != declared.get(name) for name, value in other.items())
    default, changed = (parsed_manifest(PROJECT_DIR, "parse.duckdb", values) for values in (None, other))
    assert not isinstance(changed, ParseFailure), changed
    before, after = _comparable(default), _comparable(changed)
    differing = [
        f"{kind}: {name}" for kind, items in before.items() for name, item in items.items() if after[kind].get(name) != item
    ]
    assert differing == [], "a var outside PARSE_TIME_VARS changes the manifest"
    # A parse-time var does change it (the persona scheme names the seed a ref reads): test_inputs_and_config.py
    # builds with scheme 'gold' and gets dbt's parse error for the missing seed rfm_personas_gold.
