"""`make metrics`: query the semantic layer (dbt semantic models and metrics,
models/marts/semantic/) over the published marts.

    make metrics ARGS="--metrics revenue,orders --group-by metric_time__month"
    make metrics ARGS="--metrics revenue,average_order_value --group-by contact__persona --order -revenue"
    make metrics ARGS="--list"

MetricFlow (dbt-metricflow's engine) turns the request into SQL from
target/semantic_manifest.json (written by `dbt parse`/`dbt build`); this
command runs that SQL on a read-only connection to the published file, so it
never waits for a build and never blocks one. `--explain` prints the SQL
instead. The `mf` command is not used: it checks PyPI for a newer version on
every call (there is no internet here) and reads the working warehouse.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shlex
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from orchestration.lib.publish import attach_read_only, published_path
from orchestration.lib.warehouse import PROJECT_DIR, configure_environment, duckdb_path

SEMANTIC_MANIFEST = PROJECT_DIR / "target" / "semantic_manifest.json"


class MetricsError(Exception):
    """A metric query that cannot run: unknown names, no published file, no semantic manifest."""


class ReadOnlyDuckDbClient:
    """MetricFlow's SqlClient protocol over a read-only DuckDB connection to the published file, attached
    under the catalog name the semantic manifest's relations use (the working file's name)."""

    def __init__(self, published: Path, catalog: str) -> None:
        from metricflow.protocols.sql_client import SqlEngine
        from metricflow.sql.render.duckdb_renderer import DuckDbSqlPlanRenderer

        self._engine = SqlEngine.DUCKDB
        self._renderer = DuckDbSqlPlanRenderer()
        self._connection = attach_read_only(published, catalog)

    @property
    def sql_engine_type(self) -> Any:
        return self._engine

    @property
    def sql_plan_renderer(self) -> Any:
        return self._renderer

    def fetch(self, stmt: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Column names and rows, values as DuckDB returns them (decimals stay exact)."""
        cursor = self._connection.execute(stmt)
        return [column[0] for column in cursor.description], cursor.fetchall()

    def query(self, stmt: str, sql_bind_parameter_set: Any = None) -> Any:
        from metricflow.data_table.mf_table import MetricFlowDataTable

        columns, rows = self.fetch(stmt)
        return MetricFlowDataTable.create_from_rows(column_names=columns, rows=rows)

    def execute(self, stmt: str, sql_bind_parameter_set: Any = None) -> None:
        raise MetricsError("the published file is read-only: metric queries only read")

    def dry_run(self, stmt: str, sql_bind_parameter_set: Any = None) -> None:
        self._connection.execute(f"explain {stmt}")

    def close(self) -> None:
        self._connection.close()

    def render_bind_parameter_key(self, bind_parameter_key: str) -> str:
        return f"${bind_parameter_key}"


@dataclass(frozen=True)
class MetricResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]
    sql: str


def _manifest_catalog(manifest_path: Path) -> str:
    document = json.loads(manifest_path.read_text())
    for model in document.get("semantic_models", []):
        database = model.get("node_relation", {}).get("database")
        if database:
            return database
    raise MetricsError(f"{manifest_path} holds no semantic model: run `make manifest`")


class SemanticLayer:
    """The project's metrics, queried over a published DuckDB file."""

    def __init__(self, published: Path, manifest_path: Path = SEMANTIC_MANIFEST) -> None:
        if not manifest_path.is_file():
            raise MetricsError(f"no semantic manifest at {manifest_path}: run `make manifest` (dbt parse) first")
        if not published.is_file():
            raise MetricsError(f"nothing is published at {published}: run `make run` first")
        from metricflow.engine.metricflow_engine import MetricFlowEngine
        from metricflow_semantics.model.dbt_manifest_parser import parse_manifest_from_dbt_generated_manifest as parse_manifest
        from metricflow_semantics.model.semantic_manifest_lookup import SemanticManifestLookup

        manifest = parse_manifest(manifest_json_string=manifest_path.read_text())
        self.client = ReadOnlyDuckDbClient(published, _manifest_catalog(manifest_path))
        self.engine = MetricFlowEngine(semantic_manifest_lookup=SemanticManifestLookup(manifest), sql_client=self.client)
        self.manifest = manifest

    def metric_names(self) -> list[str]:
        return sorted(metric.name for metric in self.manifest.metrics)

    def dimensions(self, metrics: Sequence[str]) -> list[str]:
        return sorted(item.dunder_name for item in self.engine.simple_dimensions_for_metrics(list(metrics)))

    def _request(self, metrics: Sequence[str], group_by: Sequence[str], where: Sequence[str], order: Sequence[str],
                 limit: int | None, start: dt.datetime | None, end: dt.datetime | None) -> Any:  # fmt: skip
        from metricflow.engine.metricflow_engine import MetricFlowQueryRequest

        known = set(self.metric_names())
        unknown = [name for name in metrics if name not in known]
        if unknown:
            raise MetricsError(f"unknown metric(s) {', '.join(unknown)}; metrics: {', '.join(sorted(known))}")
        return MetricFlowQueryRequest.create(
            metric_names=list(metrics), group_by_names=list(group_by) or None, where_constraints=list(where) or None,
            order_by_names=list(order) or None, limit=limit, time_constraint_start=start, time_constraint_end=end,
        )  # fmt: skip

    def explain(self, metrics: Sequence[str], group_by: Sequence[str] = (), where: Sequence[str] = (),
                order: Sequence[str] = (), limit: int | None = None, start: dt.datetime | None = None,
                end: dt.datetime | None = None) -> str:  # fmt: skip
        request = self._request(metrics, group_by, where, order, limit, start, end)
        return self.engine.explain(request).sql_statement.sql

    def query(self, metrics: Sequence[str], group_by: Sequence[str] = (), where: Sequence[str] = (),
              order: Sequence[str] = (), limit: int | None = None, start: dt.datetime | None = None,
              end: dt.datetime | None = None) -> MetricResult:  # fmt: skip
        sql = self.explain(metrics, group_by, where, order, limit, start, end)
        columns, rows = self.client.fetch(sql)
        return MetricResult(columns, rows, sql)

    def close(self) -> None:
        self.client.close()


def _names(values: list[str]) -> list[str]:
    return [name.strip() for value in values for name in value.split(",") if name.strip()]


def _table(result: MetricResult) -> str:
    def cell(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, float):
            return f"{value:,.4f}".rstrip("0").rstrip(".")
        if isinstance(value, dt.datetime):
            return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
        return f"{value:,}" if isinstance(value, (int, Decimal)) and not isinstance(value, bool) else str(value)

    rows = [[cell(value) for value in row] for row in result.rows]
    widths = [max([len(name), *(len(row[i]) for row in rows)]) for i, name in enumerate(result.columns)]
    lines = ["  ".join(name.ljust(width) for name, width in zip(result.columns, widths, strict=True))]
    lines.append("  ".join("-" * width for width in widths))
    lines += ["  ".join(value.rjust(width) for value, width in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    configure_environment()
    parser = argparse.ArgumentParser(prog="python -m orchestration.metrics", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--metrics", action="append", default=[], help="metric names, comma-separated (repeatable)")
    parser.add_argument("--group-by", action="append", default=[],
                        help="dimensions, e.g. metric_time__month, contact__persona, segment (comma-separated)")
    parser.add_argument("--where", action="append", default=[],
                        help="a filter, e.g. \"{{ Dimension('contact__country') }} = 'PL'\" (repeatable)")
    parser.add_argument("--order", action="append", default=[], help="order by these names; -name for descending")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--start-time", type=dt.datetime.fromisoformat, default=None, help="metric_time from (ISO date)")
    parser.add_argument("--end-time", type=dt.datetime.fromisoformat, default=None, help="metric_time to (ISO date)")
    parser.add_argument("--explain", action="store_true", help="print the SQL instead of running it")
    parser.add_argument("--csv", type=Path, default=None, help="also write the result to this CSV file")
    parser.add_argument("--list", action="store_true", help="list the metrics and the dimensions they group by")
    parser.add_argument("--semantic-manifest", type=Path, default=SEMANTIC_MANIFEST,
                        help="dbt's semantic_manifest.json (default: target/semantic_manifest.json)")
    parser.add_argument("--published-path", type=Path, default=None,
                        help="DuckDB file to query (default: the published file of $DUCKDB_PATH)")  # fmt: skip
    if argv is None and len(sys.argv) == 1 and os.environ.get("METRICS_ARGS"):
        # `make metrics ARGS="..."`: split like a shell would (quotes keep a --where filter whole), never run
        argv = shlex.split(os.environ["METRICS_ARGS"])
    args = parser.parse_args(argv)
    published = args.published_path or published_path(duckdb_path())
    try:
        layer = SemanticLayer(published, args.semantic_manifest)
        try:
            if args.list:
                for name in layer.metric_names():
                    metric = next(m for m in layer.manifest.metrics if m.name == name)
                    print(f"{name:<24} {metric.description or ''}")
                metrics = _names(args.metrics) or layer.metric_names()[:1]
                print(f"\ngroup by (for {', '.join(metrics)}): metric_time__day|week|month|quarter|year, "
                      + ", ".join(layer.dimensions(metrics)))  # fmt: skip
                return 0
            metrics = _names(args.metrics)
            if not metrics:
                raise MetricsError("name at least one metric: --metrics revenue (see --list)")
            options = dict(group_by=_names(args.group_by), where=args.where, order=_names(args.order),
                           limit=args.limit, start=args.start_time, end=args.end_time)  # fmt: skip
            if args.explain:
                print(layer.explain(metrics, **options))
                return 0
            result = layer.query(metrics, **options)
        finally:
            layer.close()
    except MetricsError as error:
        print(f"metrics: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # MetricFlow's own errors name the unknown dimension and suggest others
        if type(error).__module__.startswith(("metricflow", "dbt_semantic_interfaces")):
            print(f"metrics: {error}", file=sys.stderr)
            return 2
        raise
    print(_table(result))
    print(f"({len(result.rows):,} rows, from {published})")
    if args.csv:
        import csv

        with args.csv.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(result.columns)
            writer.writerows(result.rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
