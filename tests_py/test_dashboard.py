"""The dashboard in a real browser: `make dashboard`'s server on a free port over
the published sample, every page driven by headless Chromium (Debian's
package, installed here when missing). The numbers on the pages equal the
marts, a screenshot of each page lands in warehouse/screenshots/, and any
browser console error or failed request (an asset fetched from the internet
included) fails the test."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml
from playwright.sync_api import expect

from conftest import PROJECT_DIR, Workspace
from dashboard.pages import tile_key
from dashboard.serve import streamlit_command

pytestmark = pytest.mark.build

SCREENSHOTS = PROJECT_DIR / "warehouse" / "screenshots"
PAGES = ["Opportunities", "Personas", "Engagement", "Segments", "Predictions"]


def chromium() -> str:
    """Debian's Chromium; installed with apt-get when missing (CI is a fresh machine)."""
    found = shutil.which("chromium")
    if found:
        return found
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        result = subprocess.run([*sudo, *command], capture_output=True, text=True, env=environment, check=False)
        if result.returncode != 0:
            pytest.fail(f"cannot install Chromium ({' '.join(command)}): {result.stderr[-1000:]}")
    found = shutil.which("chromium")
    assert found, "apt-get installed chromium but it is not on PATH"
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Browser:
    page: object
    base: str
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)

    def open(self, title: str) -> None:
        """Navigates as a user does, with the sidebar (a deep link makes Streamlit probe paths that 404)."""
        page = self.page
        page.locator('[data-testid="stSidebarNavLink"]', has_text=title).click()
        page.locator('[data-testid="stHeading"] h1', has_text=title).wait_for()
        self.settle()

    def settle(self) -> None:
        """Until the script's run has ended: Streamlit marks its app element with the run's state (its own end-to-end
        tests wait on the same attribute). A run a click has asked for may not have started yet: the tests then wait
        for what the click changes too."""
        self.page.wait_for_selector(
            '[data-testid="stApp"][data-test-connection-state="CONNECTED"][data-test-script-state="notRunning"]',
            timeout=60_000,
        )
        self.page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
        self.page.wait_for_timeout(300)

    def metric(self, container: str, label: str | None = None) -> str:
        scope = self.page.locator(f".st-key-{container}")
        metrics = scope.locator('[data-testid="stMetric"]')
        if label is not None:
            metrics = metrics.filter(has=self.page.locator('[data-testid="stMetricLabel"]', has_text=label))
        return metrics.first.locator('[data-testid="stMetricValue"]').inner_text().strip()

    def table(self, key: str) -> pd.DataFrame:
        """A static table's text, the first column as the index: read in the page in one step, again until it has
        rows and a header cell over each column (under load the heading can come before the table's body)."""
        read = """(key) => {
            const table = document.querySelector(`.st-key-${key} table`);
            if (!table) return null;
            const cells = (row) => [...row.querySelectorAll("th, td")].map((cell) => cell.innerText.trim());
            const header = [...table.querySelectorAll("thead tr")].map(cells).pop() || [];
            const rows = [...table.querySelectorAll("tbody tr")].map(cells);
            return rows.length && rows.every((row) => row.length === header.length) ? {header, rows} : null;
        }"""
        shown = self.page.wait_for_function(read, arg=key, timeout=60_000).json_value()
        frame = pd.DataFrame(shown["rows"], columns=shown["header"])
        return frame.set_index(frame.columns[0])

    def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name.lower()}.png"), full_page=True)


@pytest.fixture(scope="module")
def browser(sample_warehouse: Workspace, published_sample: Path) -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    executable = chromium()
    port = free_port()
    environment = {**os.environ, "DUCKDB_PATH": str(sample_warehouse.database),
                   "PUBLISHED_DUCKDB_PATH": str(published_sample), "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}  # fmt: skip
    server = subprocess.Popen(streamlit_command(port), cwd=PROJECT_DIR, env=environment,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert server.poll() is None, server.stdout.read() if server.stdout else "the dashboard stopped"
            assert time.monotonic() < deadline, "the dashboard did not start within 60 s"
            time.sleep(0.3)
        with sync_playwright() as playwright:
            chrome = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
            page = chrome.new_page(viewport={"width": 1400, "height": 2400})
            driven = Browser(page, base)
            page.on("console", lambda message: driven.console_errors.append(message.text) if message.type == "error" else None)
            page.on("requestfailed", lambda request: driven.failed_requests.append(f"{request.url} ({request.failure})"))
            page.on("response", lambda response: driven.failed_requests.append(f"{response.url} ({response.status})")
                    if response.status >= 400 else None)  # fmt: skip
            page.goto(base)
            page.locator('[data-testid="stHeading"] h1', has_text="Opportunities").wait_for(timeout=60_000)
            driven.settle()
            yield driven
            chrome.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
    # every page was visited by then: no console error, no failed request, nothing fetched from elsewhere
    assert driven.console_errors == [], driven.console_errors[:5]
    assert driven.failed_requests == [], driven.failed_requests[:5]


def marts(published: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(published), read_only=True) as connection:
        cursor = connection.execute(sql)
        return pd.DataFrame(cursor.fetchall(), columns=[column[0] for column in cursor.description])


def test_opportunities_grid_equals_the_marts_and_selected_tiles_give_their_condition(
    browser: Browser, published_sample: Path
) -> None:
    browser.open("Opportunities")
    tiles = marts(published_sample, "select * from marts.opportunity_tiles")
    summary = marts(published_sample, "select * from marts.opportunity_summary").iloc[0]
    assert len(tiles) == 21
    for tile in tiles.itertuples():
        assert browser.metric(tile_key(tile.persona, tile.engagement_level)) == f"{tile.contacts:,}", tile.opportunity_group
    for label, value in (("Contacts", summary.contacts), ("Opportunities", summary.opportunities),
                         ("Non-engaged", summary.non_engaged)):  # fmt: skip
        metric = browser.page.locator('[data-testid="stMetric"]').filter(
            has=browser.page.locator('[data-testid="stMetricLabel"]', has_text=label)).first  # fmt: skip
        assert metric.locator('[data-testid="stMetricValue"]').inner_text().strip() == f"{value:,}"
    chosen = tiles.sort_values("contacts").tail(2)
    code_block = browser.page.locator('[data-testid="stCode"]').last
    for tile in chosen.itertuples():
        browser.page.locator(f".st-key-{tile_key(tile.persona, tile.engagement_level)} [data-testid=stCheckbox] label").click()
        expect(code_block).to_contain_text(tile.opportunity_group, timeout=60_000)  # the rerun the click asked for
        browser.settle()
    code = code_block.inner_text()
    condition = yaml.safe_load(code)["condition"]
    assert condition["score"] == "opportunity_group" and condition["op"] == "in"
    assert sorted(condition["value"]) == sorted(chosen.opportunity_group)
    browser.screenshot("Opportunities")


def test_personas_and_movement_equal_the_marts(browser: Browser, published_sample: Path) -> None:
    browser.open("Personas")
    table = browser.table("persona_table")
    summary = marts(published_sample, "select * from marts.rfm_persona_summary where customers > 0").set_index("persona")
    assert sorted(table.index) == sorted(summary.index)
    for persona, row in summary.iterrows():
        shown = table.loc[persona]
        assert shown["Customers"] == f"{row.customers:,}" and shown["Orders"] == f"{row.valid_orders:,}"
        assert shown["Revenue"] == f"{row.revenue:,.2f}" and shown["AOV"] == f"{row.average_order_value:,.2f}"
        assert shown["Average CLV"] == f"{row.average_clv:,.2f}" and shown["% revenue"] == f"{row.pct_of_revenue:.1f}%"
    movement = browser.table("movement_matrix")
    built = marts(published_sample, "select * from marts.persona_movement")
    for row in built.itertuples():
        assert movement.loc[row.from_persona, row.to_persona] == str(row.customers), (row.from_persona, row.to_persona)
    browser.screenshot("Personas")


def test_threshold_help_equals_rfm_quantiles(browser: Browser, published_sample: Path) -> None:
    browser.open("Personas")
    shown = browser.table("rfm_quantiles")
    quantiles = marts(published_sample, "select * from marts.rfm_quantiles")
    assert len(shown) == quantiles["quantile"].nunique() == 10
    for row in quantiles.itertuples():
        column = {"recency": "Recency (days)", "frequency": "Frequency (orders)", "monetary": "Monetary"}[row.dimension]
        want = f"{row.cut_value:,.2f}" if row.dimension == "monetary" else f"{row.cut_value:,.0f}"
        assert shown.loc[str(row.quantile), column] == want, (row.dimension, row.quantile)


def test_engagement_counts_and_percentages_equal_the_marts(browser: Browser, published_sample: Path) -> None:
    browser.open("Engagement")
    changes = marts(published_sample, "select * from marts.engagement_status_changes order by group_order, engagement_status")
    everyone = changes[changes.contact_group == "All contacts"].set_index("engagement_status")
    assert browser.page.locator('[data-testid="stMetricValue"]').first.inner_text().strip() == (
        f"{everyone.loc['Engaged'].end_contacts:,}"
    )
    shown = browser.table("engagement_changes").reset_index()
    assert len(shown) == len(changes)
    for (_, row), (_, want) in zip(shown.iterrows(), changes.iterrows(), strict=True):
        assert (row.Group, row.Status, row.Start, row.End) == (
            want.contact_group, want.engagement_status, f"{want.start_contacts:,}", f"{want.end_contacts:,}")
        expected_pct = "–" if pd.isna(want.net_change_pct) else f"{want.net_change_pct:+.1f}%"
        assert row["Net %"] == expected_pct and row["Unsubscribed"] == f"{want.unsubscribed_in_period:,}"
    campaigns = marts(published_sample, "select * from marts.campaign_responsiveness order by contacts_sent desc, campaign_id")
    shown_campaigns = browser.table("campaign_responsiveness")
    assert list(shown_campaigns.index) == list(campaigns.campaign_id[:10])
    assert list(shown_campaigns["Open rate"]) == [f"{value:.1f}%" for value in campaigns.open_rate_pct[:10]]
    for label, mart in (("To suppress", "sunset_suppressions"), ("Sunset candidates", "sunset_candidates")):
        assert browser.metric("sunset", label) == f"{len(marts(published_sample, f'select * from marts.{mart}')):,}"
    summary = browser.table("engagement_summary")
    for row in marts(published_sample, "select * from marts.engagement_status_summary").itertuples():
        assert summary.loc[row.contact_group, "Engaged"] == f"{row.engaged:,}"
    browser.screenshot("Engagement")


def test_segments_catalog_and_revenue_trees_equal_the_marts(browser: Browser, published_sample: Path) -> None:
    browser.open("Segments")
    catalog = browser.table("segment_catalog")
    segments = marts(published_sample, "select * from marts.segments "
                                       "order by is_recommended desc, recommended_rank nulls last, segment_key")  # fmt: skip
    assert list(catalog.Key) == list(segments.segment_key)
    assert list(catalog.Members) == [f"{n:,}" for n in segments.members]
    assert list(catalog["Definition updated"]) == [str(day)[:10] for day in segments.definition_updated_date]
    summaries = marts(published_sample, "select * from marts.segment_summary").set_index("segment_key")
    for key in list(segments.segment_key)[:2]:
        name = segments.set_index("segment_key").name[key]
        browser.page.locator(".st-key-segment button[aria-label=Open]").click()
        browser.page.get_by_role("option", name=name, exact=True).click()
        browser.settle()
        browser.page.locator("h3", has_text=name).wait_for()
        want = summaries.loc[key]
        assert browser.metric("revenue_tree", "Revenue") == f"{want.net_revenue:,.2f}"
        assert browser.metric("revenue_tree", "Customers") == f"{want.customers:,}"
        assert browser.metric("revenue_tree", "AOV") == (
            "–" if pd.isna(want.average_order_value) else f"{want.average_order_value:,.2f}")
        assert browser.metric("revenue_tree", "Revenue per customer") == (
            "–" if pd.isna(want.revenue_per_customer) else f"{want.revenue_per_customer:,.2f}")
    sql = browser.page.locator('[data-testid="stCode"]').last.inner_text()
    assert "select" in sql.lower() and "contact_id" in sql
    assert browser.page.locator(".st-key-overlap table").count() == 1
    browser.screenshot("Segments")



def test_predictions_and_backtest_equal_the_marts(browser: Browser, published_sample: Path) -> None:
    browser.open("Predictions")
    predictions = marts(published_sample, "select * from marts.customer_predictions")
    assert browser.metric("prediction_totals", "Customers") == f"{len(predictions):,}"
    assert browser.metric("prediction_totals", "Predicted revenue") == f"{predictions.predicted_revenue_next_365_days.sum():,.2f}"
    bands = browser.table("churn_risk")
    for band, rows in predictions.groupby("churn_risk"):
        assert bands.loc[band, "Customers"] == f"{len(rows):,}"
        assert bands.loc[band, "Predicted revenue, next 365 days"] == f"{rows.predicted_revenue_next_365_days.sum():,.2f}"
    backtest = marts(published_sample, "select * from marts.persona_backtest")
    personas = browser.table("backtest_personas")
    for row in backtest[backtest.group_type.isin(["all", "persona"])].itertuples():
        assert personas.loc[row.group_name, "Customers"] == f"{row.customers:,}"
        assert personas.loc[row.group_name, "Bought again"] == f"{row.holdout_purchase_rate_pct:.1f}%"
    deciles = browser.table("backtest_deciles")
    assert list(deciles.index) == [f"Decile {n}" for n in range(1, 11)]
    parameters = browser.table("model_parameters")
    assert len(parameters) == len(marts(published_sample, "select * from marts.clv_model_parameters")) == 14
    browser.screenshot("Predictions")


def test_data_docs_render_offline_with_one_entry_per_mart(
    browser: Browser, published_sample: Path, tmp_path: Path
) -> None:
    """`make validate` on the published sample, then its Data Docs opened from disk: every script and
    stylesheet loads from the site itself, the results table renders, one row per mart suite."""
    from orchestration.lib.quality.runner import data_docs_index, run_suites
    from orchestration.lib.quality.suites import DECLARATIONS, SuiteSettings

    as_of = str(marts(published_sample, "select max(as_of_date) as d from marts.dim_contacts").d[0])
    results = run_suites(published_sample, SuiteSettings(as_of_date=as_of), project_dir=tmp_path,
                         run_name=f"as of {as_of}, test run")  # fmt: skip
    assert all(result.success for result in results), [r.mart for r in results if not r.success]
    page = browser.page.context.browser.new_page(viewport={"width": 1400, "height": 1400})
    problems: list[str] = []
    page.on("request", lambda request: problems.append(request.url)
            if not request.url.startswith(("file:", "data:")) else None)  # fmt: skip
    page.on("requestfailed", lambda request: problems.append(f"{request.url} {request.failure}"))
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.goto(data_docs_index(tmp_path).as_uri())
    rows = page.locator("table.table tbody tr")
    rows.first.wait_for()
    assert problems == [], problems[:5]
    assert len(results) == len(DECLARATIONS)  # one suite per declared mart
    assert page.locator(".pagination-info").first.inner_text().strip().endswith(f"of {len(results)} rows")
    names = page.evaluate("() => Array.from(document.querySelectorAll('table.table tbody tr'))"
                          ".filter(row => row.cells.length > 2).map(row => row.cells[2].innerText.trim())")  # fmt: skip
    assert names and set(names) == {f"as of {as_of}, test run"}
    assert page.evaluate("() => getComputedStyle(document.querySelector('table.table')).borderCollapse") == "collapse"
    page.screenshot(path=str(SCREENSHOTS / "data_docs.png"))
    page.close()
