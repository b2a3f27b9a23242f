"""A bad segment insights setting stops the build with a message naming the
var (or segment, or exposure) and what it accepts: compare_segments (more
than five, repeated, not a list, unknown), the breakdown attributes, age
bands, months and window, recommended positions, the reserved baseline key
and exposures naming unknown segments.

Each check runs once as a whole `dbt build` (it stops in the on-run-start
hook, before any model), and the rest of the messages through the same
macros as in-process run-operations on a manifest parsed once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import Workspace, add_segment_models, copy_dbt_project
from segment_harness import SegmentCompiler

pytestmark = pytest.mark.build

SHIPPED = [
    "win_back_big_spenders",
    "sofa_without_coffee_table",
    "seasonal_allergy_buyers",
    "cart_abandoners",
    "most_engaged_champions_openers",
    "engaged_non_customer_product_viewers",
]
DEFINITION = {"name": "X", "description": "A test segment.", "status": "active", "owner": "tests", "condition": {"tag": "vip"}}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """A tiny generated dataset, so the hooks that read the raw data pass."""
    workspace = Workspace(tmp_path_factory.mktemp("insights_config"))
    workspace.raw.mkdir()
    workspace.generate("--contacts", "200", "--orders", "600", "--events", "2000", "--end-date", "2026-06-30")
    return workspace


@pytest.fixture(scope="module")
def compiler(tmp_path_factory: pytest.TempPathFactory) -> SegmentCompiler:
    return SegmentCompiler(tmp_path_factory.mktemp("insights_operations"))


def assert_stops_before_any_model(output: str, message: str) -> None:
    assert message in output, output[-3000:]
    assert "called by operation customer_segments-on-run-start" in output
    assert "START sql" not in output


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"compare_segments": SHIPPED}, "var compare_segments: 6 segments (win_back_big_spenders, "),
        (
            {"compare_segments": ["cart_abandoners", "vip_buyers"]},
            "var compare_segments: unknown segment 'vip_buyers'; segments and static lists: cart_abandoners, ",
        ),
    ],
    ids=["six_compared", "unknown_compared"],
)
def test_a_bad_insights_var_stops_the_build(workspace: Workspace, variables: dict[str, object], message: str) -> None:
    result = workspace.dbt("build", vars={"as_of_date": "2026-06-30", **variables})
    assert not result.ok
    assert_stops_before_any_model(result.output, message)


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        (
            {"compare_segments": ["cart_abandoners", "cart_abandoners"]},
            "var compare_segments: segment 'cart_abandoners' is listed twice",
        ),
        ({"compare_segments": "cart_abandoners"}, "var compare_segments: 'cart_abandoners' must be a list of segment keys"),
        (
            {"segment_breakdown_attributes": ["country", "shoe_size"]},
            "var segment_breakdown_attributes: unknown attribute 'shoe_size'; attributes: country, city, gender, age_band",
        ),
        (
            {"segment_breakdown_attributes": ["gender", "gender"]},
            "var segment_breakdown_attributes: attribute 'gender' is listed twice",
        ),
        ({"age_band_edges": [30, 20]}, "var age_band_edges: '[30, 20]' must be a list of whole-number ages, rising"),
        ({"age_band_edges": [18, 25.5]}, "var age_band_edges: '[18, 25.5]' must be a list of whole-number ages, rising"),
        ({"segment_revenue_months": 0}, "var segment_revenue_months: '0' must be a whole number of months from 1 to 120"),
        (
            {"segment_insights_window_days": "a year"},
            "var segment_insights_window_days: 'a year' must be a whole number of days",
        ),
    ],
    ids=[
        "compared_twice", "not_a_list", "unknown_attribute", "attribute_twice", "age_bands", "age_band_fraction", "months",
        "window",
    ],
)
def test_check_configuration_names_the_bad_var(compiler: SegmentCompiler, variables: dict[str, Any], message: str) -> None:
    ok, output = compiler.operation("check_configuration", {}, {"as_of_date": "2026-06-30", **variables})
    assert not ok and message in output, output[-2000:]


def test_good_insights_vars_pass_the_check(compiler: SegmentCompiler) -> None:
    variables = {
        "as_of_date": "2026-06-30",
        "compare_segments": SHIPPED[:5],
        "segment_breakdown_attributes": ["top_brand", "city", "engaged_status", "lifecycle_stage", "opportunity_group"],
        "age_band_edges": [21],
        "segment_revenue_months": 120,
        "segment_insights_window_days": 30,
    }
    ok, output = compiler.operation("check_configuration", {}, variables)
    assert ok, output[-2000:]


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        (
            {**DEFINITION, "recommended": 2.5},
            "segment 'extra', recommended: '2.5' must be true, false or a position from 1 to 5",
        ),
        ({**DEFINITION, "recommended": 6}, "segment 'extra', recommended: '6' must be true, false or a position from 1 to 5"),
        (
            {**DEFINITION, "recommended": "yes"},
            "segment 'extra', recommended: 'yes' must be true, false or a position from 1 to 5",
        ),
    ],
    ids=["fraction", "six", "text"],
)
def test_a_recommended_position_is_1_to_5(compiler: SegmentCompiler, definition: dict[str, Any], message: str) -> None:
    ok, output = compiler.operation("validate_segment_attributes", {"key": "extra", "definition": definition})
    assert not ok and message in output, output[-2000:]


def test_recommended_order_numbers_first_then_true_by_key(compiler: SegmentCompiler) -> None:
    """Six recommended segments are too many; the message lists them in their order."""
    positions = {"zeta": True, "alpha": True, "third": 3, "first": 1, "none": False, "beta": True, "gamma": True}
    registry = {key: {"definition": {**DEFINITION, "recommended": value}} for key, value in positions.items()}
    ok, output = compiler.operation("recommended_segment_keys", {"registry": registry})
    assert not ok
    assert "6 segments are recommended: first, third, alpha, beta, gamma, zeta; at most five may be recommended" in output
    shared = {key: {"definition": {**DEFINITION, "recommended": 2}} for key in ("a", "b")}
    ok, output = compiler.operation("recommended_segment_keys", {"registry": shared})
    assert not ok and "segments 'a' and 'b' are both recommended at position 2" in output


def project_copy(root: Path) -> Path:
    return copy_dbt_project(root)


def extra_segment(root: Path, name: str, recommended: str) -> None:
    add_segment_models(root, [name])
    pad = " " * 10
    (root / "models" / "segments" / "_extra.yml").write_text(
        f"version: 2\nmodels:\n  - name: {name}\n    config:\n      meta:\n        segment:\n"
        f"{pad}name: Extra\n{pad}description: A test segment.\n{pad}status: active\n{pad}owner: tests\n"
        f"{pad}recommended: {recommended}\n{pad}condition: {{tag: vip}}\n"
    )


def misspell_exposure_segment(root: Path) -> None:
    path = root / "models" / "_exposures.yml"
    path.write_text(path.read_text().replace("[cart_abandoners,", "[cart_abandonners,"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda root: extra_segment(root, "seg_extra", "2"),
            "segments 'extra' and 'sofa_without_coffee_table' are both recommended at position 2",
        ),
        (
            lambda root: extra_segment(root, "seg_all_contacts", "false"),
            "segment 'all_contacts', key: 'all_contacts' is reserved for the all-contacts baseline",
        ),
        (
            misspell_exposure_segment,
            "exposure 'ad_platform_audience_sync' (models/_exposures.yml), meta.segments: unknown segment 'cart_abandonners'",
        ),
    ],
    ids=["shared_position", "reserved_key", "exposure_unknown_segment"],
)
def test_a_bad_recommendation_key_or_exposure_stops_the_build(
    workspace: Workspace, tmp_path: Path, change: Callable[[Path], object], message: str
) -> None:
    root = project_copy(tmp_path)
    change(root)
    copy = Workspace(tmp_path, project=root)
    copy.raw.symlink_to(workspace.raw)
    result = copy.dbt("build", vars={"as_of_date": "2026-06-30"})
    assert not result.ok
    assert_stops_before_any_model(result.output, message)
