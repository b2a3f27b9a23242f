"""Runs the suites: each frame's query is read from DuckDB into a DataFrame
(read-only) and validated by a GX checkpoint; results and Data Docs are kept
in a file-based GX project beside the warehouse.

Why DataFrames and not GX's SQL datasource: over duckdb-engine the SQL
datasource returned empty metric results (GX fetches after closing the
connection), so nothing would have been checked. See DECISIONS.md.
"""

from __future__ import annotations

import copy
import logging
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from orchestration.lib.quality.suites import Suite, SuiteSettings, build_suites

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import great_expectations as gx
from great_expectations.data_context.types.base import ProgressBarsConfig

DATASOURCE = "warehouse"


@dataclass(frozen=True)
class ExpectationOutcome:
    frame: str
    expectation: str
    arguments: dict[str, Any]
    success: bool
    observed: str


@dataclass(frozen=True)
class SuiteResult:
    mart: str
    outcomes: list[ExpectationOutcome]
    error: str | None = None

    @property
    def success(self) -> bool:
        return self.error is None and all(outcome.success for outcome in self.outcomes)

    @property
    def failures(self) -> list[ExpectationOutcome]:
        return [outcome for outcome in self.outcomes if not outcome.success]


def gx_project_dir(database: Path) -> Path:
    """The GX project root (it holds `gx/`): GX_PROJECT_DIR, or the warehouse's directory."""
    configured = os.environ.get("GX_PROJECT_DIR")
    return Path(configured) if configured else database.parent


def data_docs_index(project_dir: Path) -> Path:
    return project_dir / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"


def as_of_date_in(database: Path) -> str:
    with duckdb.connect(str(database), read_only=True) as connection:
        value = connection.execute("select max(as_of_date) from marts.dim_contacts").fetchone()[0]
    if value is None:
        raise ValueError(f"marts.dim_contacts in {database} is empty: build the project before validating")
    return value.isoformat()


def _plain(value: Any) -> Any:
    """Plain Python values for messages: no numpy scalars, Decimals or NaN."""
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(item) for item in value)
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def describe_observed(result: dict[str, Any]) -> str:
    """What GX saw, short enough for a table cell: the observed value, or how
    many rows failed and some of their values."""
    if not result:
        return ""
    if "observed_value" in result:
        return repr(_plain(result["observed_value"]))
    unexpected = result.get("unexpected_count")
    sample = [_plain(value) for value in result.get("partial_unexpected_list") or []][:5]
    if unexpected is None:
        return ""
    total = result.get("element_count")
    return f"{unexpected} of {total} rows unexpected" + (f", e.g. {sample}" if sample else "")


def _context(project_dir: Path) -> Any:
    project_dir.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", project_root_dir=str(project_dir))
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def run_suites(
    database: Path,
    settings: SuiteSettings | None = None,
    marts: Iterable[str] | None = None,
    project_dir: Path | None = None,
    build_docs: bool = True,
) -> list[SuiteResult]:
    """Validates the named marts (all by default) and rebuilds Data Docs."""
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    settings = settings or SuiteSettings(as_of_date=as_of_date_in(database))
    suites = build_suites(settings)
    if marts is not None:
        wanted = set(marts)
        unknown = wanted - {suite.mart for suite in suites}
        if unknown:
            raise ValueError(f"no Great Expectations suite for {sorted(unknown)}; suites: {[s.mart for s in suites]}")
        suites = [suite for suite in suites if suite.mart in wanted]
    context = _context(project_dir or gx_project_dir(database))
    datasource = context.data_sources.add_or_update_pandas(DATASOURCE)
    results = []
    # The same memory cap as the dbt profile: aggregate frames scan the largest tables.
    limit = os.environ.get("DUCKDB_MEMORY_LIMIT") or "8GB"
    with duckdb.connect(str(database), read_only=True, config={"memory_limit": limit}) as connection:
        for suite in suites:
            results.append(_run_suite(context, datasource, connection, suite))
    if build_docs:
        context.build_data_docs()
    return results


def _run_suite(context: Any, datasource: Any, connection: duckdb.DuckDBPyConnection, suite: Suite) -> SuiteResult:
    outcomes: list[ExpectationOutcome] = []
    for frame in suite.frames:
        name = f"{suite.name}.{frame.name}"
        try:
            dataframe = connection.execute(frame.sql).df()
        except duckdb.Error as error:
            return SuiteResult(suite.mart, outcomes, error=f"frame {frame.name}: query failed: {error}")
        try:
            asset = datasource.get_asset(name)
        except LookupError:
            asset = datasource.add_dataframe_asset(name)
        try:
            batch_definition = asset.get_batch_definition("whole_frame")
        except KeyError:
            batch_definition = asset.add_batch_definition_whole_dataframe("whole_frame")
        # Copies: GX binds an expectation to one suite, and suites share helpers' expectations.
        expectations = [copy.copy(expectation) for expectation in frame.expectations]
        expectation_suite = context.suites.add_or_update(gx.ExpectationSuite(name=name, expectations=expectations))
        validation = context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=name, data=batch_definition, suite=expectation_suite)
        )
        checkpoint = context.checkpoints.add_or_update(
            gx.Checkpoint(name=name, validation_definitions=[validation], result_format={"result_format": "SUMMARY"})
        )
        run = checkpoint.run(batch_parameters={"dataframe": dataframe})
        for validation_result in run.run_results.values():
            for result in validation_result.results:
                config = result.expectation_config
                arguments = {k: _plain(v) for k, v in config.kwargs.items() if k != "batch_id"}
                outcomes.append(
                    ExpectationOutcome(
                        frame=frame.name,
                        expectation=config.type,
                        arguments=arguments,
                        success=bool(result.success),
                        observed=describe_observed(result.result or {}),
                    )
                )
                if result.exception_info and result.exception_info.get("raised_exception"):
                    outcomes[-1] = ExpectationOutcome(
                        frame.name, config.type, arguments, False, f"error: {result.exception_info.get('exception_message')}"
                    )
    return SuiteResult(suite.mart, outcomes)


def markdown_report(result: SuiteResult) -> str:
    """The failed expectations (or all, when none failed) as a Markdown table."""
    if result.error:
        return f"**{result.mart}**: {result.error}"
    shown = result.failures or result.outcomes
    lines = ["| frame | expectation | arguments | passed | observed |", "|---|---|---|---|---|"]
    for outcome in shown:
        arguments = ", ".join(f"{k}={v}" for k, v in outcome.arguments.items() if v is not None)
        passed = "yes" if outcome.success else "**no**"
        lines.append(
            f"| {outcome.frame} | {outcome.expectation} | {arguments.replace('|', '/')} | {passed} "
            f"| {outcome.observed.replace('|', '/')} |"
        )
    return "\n".join(lines)
