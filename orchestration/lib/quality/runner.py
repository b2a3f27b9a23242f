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
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from orchestration.lib.quality.data_docs import make_offline
from orchestration.lib.quality.suites import Suite, SuiteSettings, build_suites

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import great_expectations as gx
from great_expectations.core.run_identifier import RunIdentifier
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
    run_name: str | None = None,
) -> list[SuiteResult]:
    """Validates the named marts (all by default) and rebuilds Data Docs (offline: data_docs.py). Each
    validation run is named `run_name`, by default the as-of date and the time it ran."""
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
    _remove_stale_objects(context, {suite.name for suite in build_suites(settings)})
    datasource = context.data_sources.add_or_update_pandas(DATASOURCE)
    started = datetime.now(UTC)
    run_id = RunIdentifier(
        run_name=run_name or f"as of {settings.as_of_date}, validated {started:%Y-%m-%d %H:%M:%S} UTC",
        run_time=started,
    )
    results = []
    # The same memory cap as the dbt profile: aggregate frames scan the largest tables.
    limit = os.environ.get("DUCKDB_MEMORY_LIMIT") or "2GB"
    with duckdb.connect(str(database), read_only=True, config={"memory_limit": limit}) as connection:
        for suite in suites:
            results.append(_run_suite(context, datasource, connection, suite, run_id))
    if build_docs:
        context.build_data_docs()
        make_offline(data_docs_index(project_dir or gx_project_dir(database)).parent)
    return results


# Column names of a mart's combined frame: <frame>__<column>.
FRAME_SEPARATOR = "__"
_COLUMN_FIELDS = ("column", "column_A", "column_B")


def _remove_stale_objects(context: Any, current: set[str]) -> None:
    """Suites, validation definitions and checkpoints of earlier layouts (one per frame) leave the index."""
    for store, names in (
        (context.checkpoints, [checkpoint.name for checkpoint in context.checkpoints.all()]),
        (context.validation_definitions, [definition.name for definition in context.validation_definitions.all()]),
        (context.suites, [suite.name for suite in context.suites.all()]),
    ):
        for name in names:
            if name.startswith("marts.") and name not in current:
                store.delete(name=name)


def _combined(suite: Suite, frames: list[pd.DataFrame]) -> tuple[pd.DataFrame, list[Any]]:
    """One DataFrame and one expectation list for the mart: each frame's columns side by side, named
    <frame>__<column> (shorter frames padded with nulls, which column expectations skip), and each
    table-level expectation turned into a range on a column holding that frame's row count."""
    columns: list[pd.DataFrame] = []
    expectations: list[Any] = []
    for frame, data in zip(suite.frames, frames, strict=True):
        prefix = f"{frame.name}{FRAME_SEPARATOR}"
        columns.append(data.add_prefix(prefix).reset_index(drop=True))
        for expectation in frame.expectations:
            if isinstance(expectation, gx.expectations.ExpectTableRowCountToBeBetween):
                counted = f"{prefix}row_count"
                columns.append(pd.DataFrame({counted: [len(data)]}))
                expectations.append(gx.expectations.ExpectColumnValuesToBeBetween(
                    column=counted, min_value=expectation.min_value, max_value=expectation.max_value))  # fmt: skip
                continue
            renamed = copy.copy(expectation)
            for name in _COLUMN_FIELDS:
                value = getattr(renamed, name, None)
                if isinstance(value, str):
                    setattr(renamed, name, prefix + value)
            expectations.append(renamed)
    return pd.concat(columns, axis=1), expectations


def _run_suite(context: Any, datasource: Any, connection: duckdb.DuckDBPyConnection, suite: Suite,
               run_id: RunIdentifier) -> SuiteResult:  # fmt: skip
    frames = []
    for frame in suite.frames:
        try:
            frames.append(connection.execute(frame.sql).df())
        except duckdb.Error as error:
            return SuiteResult(suite.mart, [], error=f"frame {frame.name}: query failed: {error}")
    dataframe, expectations = _combined(suite, frames)
    name = suite.name
    try:
        asset = datasource.get_asset(name)
    except LookupError:
        asset = datasource.add_dataframe_asset(name)
    try:
        batch_definition = asset.get_batch_definition("whole_frame")
    except KeyError:
        batch_definition = asset.add_batch_definition_whole_dataframe("whole_frame")
    expectation_suite = context.suites.add_or_update(gx.ExpectationSuite(name=name, expectations=expectations))
    validation = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=name, data=batch_definition, suite=expectation_suite)
    )
    checkpoint = context.checkpoints.add_or_update(
        gx.Checkpoint(name=name, validation_definitions=[validation], result_format={"result_format": "SUMMARY"})
    )
    run = checkpoint.run(batch_parameters={"dataframe": dataframe}, run_id=run_id)
    outcomes: list[ExpectationOutcome] = []
    for validation_result in run.run_results.values():
        for result in validation_result.results:
            config = result.expectation_config
            arguments = {k: _plain(v) for k, v in config.kwargs.items() if k != "batch_id"}
            column = next((arguments[k] for k in _COLUMN_FIELDS if isinstance(arguments.get(k), str)), "")
            frame_name, _, _ = column.partition(FRAME_SEPARATOR)
            for key in _COLUMN_FIELDS:
                if isinstance(arguments.get(key), str):
                    arguments[key] = arguments[key].partition(FRAME_SEPARATOR)[2]
            observed = describe_observed(result.result or {})
            if result.exception_info and result.exception_info.get("raised_exception"):
                observed = f"error: {result.exception_info.get('exception_message')}"
            success = bool(result.success) and not observed.startswith("error: ")
            outcomes.append(ExpectationOutcome(frame_name, config.type, arguments, success, observed))
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
