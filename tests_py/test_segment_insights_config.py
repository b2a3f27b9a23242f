"""A bad segment insights setting stops `dbt build` before any model runs,
with a message naming the var (or segment, or exposure) and what it accepts:
compare_segments (more than five, repeated, unknown), the breakdown
attributes, age bands, months and window, recommended positions, the
reserved baseline key and exposures naming unknown segments."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests_py.conftest import PROJECT_DIR, Workspace

pytestmark = pytest.mark.build

SHIPPED = [
    "win_back_big_spenders",
    "sofa_without_coffee_table",
    "seasonal_allergy_buyers",
    "cart_abandoners",
    "most_engaged_champions_openers",
    "engaged_non_customer_product_viewers",
]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """A tiny generated dataset, so the hooks that read the raw data pass."""
    workspace = Workspace(tmp_path_factory.mktemp("insights_config"))
    workspace.raw.mkdir()
    workspace.generate("--contacts", "200", "--orders", "600", "--events", "2000", "--end-date", "2026-06-30")
    return workspace


def assert_stops_before_any_model(output: str, message: str) -> None:
    assert message in output, output[-3000:]
    assert "called by operation customer_segments-on-run-start" in output
    assert "START sql" not in output


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"compare_segments": SHIPPED}, "var compare_segments: 6 segments (win_back_big_spenders, "),
        (
            {"compare_segments": ["cart_abandoners", "cart_abandoners"]},
            "var compare_segments: segment 'cart_abandoners' is listed twice",
        ),
        (
            {"compare_segments": ["cart_abandoners", "vip_buyers"]},
            "var compare_segments: unknown segment 'vip_buyers'; segments and static lists: cart_abandoners, ",
        ),
        ({"compare_segments": "cart_abandoners"}, "var compare_segments: 'cart_abandoners' must be a list of segment keys"),
        (
            {"segment_breakdown_attributes": ["country", "shoe_size"]},
            "var segment_breakdown_attributes: unknown attribute 'shoe_size'; attributes: country, city, gender, age_band",
        ),
        ({"age_band_edges": [30, 20]}, "var age_band_edges: '[30, 20]' must be a list of whole-number ages, rising"),
        ({"segment_revenue_months": 0}, "var segment_revenue_months: '0' must be a whole number of months from 1 to 120"),
        ({"segment_insights_window_days": "a year"}, "var segment_insights_window_days: 'a year' must be a whole number of days"),
    ],
    ids=[
        "six_compared", "compared_twice", "unknown_compared", "not_a_list", "unknown_attribute", "age_bands", "months", "window",
    ],
)
def test_a_bad_insights_var_stops_the_build(workspace: Workspace, variables: dict[str, object], message: str) -> None:
    rendered = {"as_of_date": "2026-06-30", **variables}
    result = workspace.dbt("build", "--vars", json.dumps(rendered))
    assert not result.ok
    assert_stops_before_any_model(result.output, message)


def project_copy(root: Path) -> Path:
    shutil.copy(PROJECT_DIR / "dbt_project.yml", root / "dbt_project.yml")
    for folder in ("models", "macros", "seeds", "tests", "profiles"):
        shutil.copytree(PROJECT_DIR / folder, root / folder)
    return root


def extra_segment(root: Path, name: str, recommended: str) -> None:
    (root / "models" / "segments" / f"{name}.sql").write_text("{{ segment_model() }}\n")
    pad = " " * 10
    (root / "models" / "segments" / "_extra.yml").write_text(
        f"version: 2\nmodels:\n  - name: {name}\n    config:\n      meta:\n        segment:\n"
        f"{pad}name: Extra\n{pad}description: A test segment.\n{pad}status: active\n{pad}owner: tests\n"
        f"{pad}recommended: {recommended}\n{pad}condition: {{tag: vip}}\n"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda root: extra_segment(root, "seg_extra", "2"),
            "segments 'extra' and 'sofa_without_coffee_table' are both recommended at position 2",
        ),
        (
            lambda root: extra_segment(root, "seg_extra", "2.5"),
            "segment 'extra', recommended: '2.5' must be true, false or a position from 1 to 5",
        ),
        (
            lambda root: extra_segment(root, "seg_all_contacts", "false"),
            "segment 'all_contacts', key: 'all_contacts' is reserved for the all-contacts baseline",
        ),
        (
            lambda root: (root / "models" / "_exposures.yml").write_text(
                (root / "models" / "_exposures.yml").read_text().replace("[cart_abandoners,", "[cart_abandonners,")
            ),
            "exposure 'ad_platform_audience_sync' (models/_exposures.yml), meta.segments: unknown segment 'cart_abandonners'",
        ),
    ],
    ids=["shared_position", "bad_position", "reserved_key", "exposure_unknown_segment"],
)
def test_a_bad_recommendation_key_or_exposure_stops_the_build(
    workspace: Workspace, tmp_path: Path, change: Callable[[Path], object], message: str
) -> None:
    root = project_copy(tmp_path)
    change(root)
    copy = Workspace(tmp_path)
    copy.raw.symlink_to(workspace.raw)
    env = {**copy.env(), "DBT_PROJECT_DIR": str(root), "DBT_PROFILES_DIR": str(root / "profiles")}
    process = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "build", "--vars", "{as_of_date: '2026-06-30'}"],
        cwd=root, env=env, capture_output=True, text=True, check=False,
    )
    assert process.returncode != 0
    assert_stops_before_any_model(process.stdout + process.stderr, message)
