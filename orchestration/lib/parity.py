"""Marts compared between engines, row for row.

Each engine is one entry of ENGINES: a function that opens a reader of the
warehouse it built (DuckDB: its file; PostgreSQL: a database on a server;
Spark: a DuckDB copy of its local catalog's tables, made by Spark itself).
`compare` reads every table of the compared schemas from a reference reader
and from another, and returns the differences, each naming the table, the
row's key and the column:
- rows are matched by the table's key (its `unique` or
  `unique_combination_of_columns` test in the manifest; else every column
  that is not floating point), after sorting;
- exact values (text, whole numbers, decimals at the column's scale, dates,
  timestamps, booleans) must be equal; a decimal equals the same number at
  any scale (1.5 = 1.50) and a whole number the same decimal;
- floating-point values within 1e-9, relative;
- columns that record the run rather than the data (RUN_COLUMNS), and
  the SQL an engine ran in its own dialect (DIALECT_COLUMNS: a segment's
  compiled condition quotes names as that engine does), are left out;
- so are the predictions (PREDICTIONS: columns, and the backtest's rows
  grouped by a prediction), which only DuckDB computes (dbt Python models;
  docs/predictions.md "Engines"). Their inputs are compared.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

# The schemas BI tools read: every mart and every segment's members.
COMPARED_SCHEMAS = ("marts", "segments")
# Written by the run itself, not derived from the data: which dbt run
# validated a row or applied an ad hoc rule, and when.
RUN_COLUMNS = frozenset({"validation_run_id", "validated_at", "applied_at", "invocation_id"})
DIALECT_COLUMNS = frozenset({"compiled_sql"})
LEFT_OUT = RUN_COLUMNS | DIALECT_COLUMNS
PREDICTED = frozenset({
    "probability_alive", "churn_risk", "expected_orders_next_90_days", "expected_orders_next_365_days",
    "expected_average_order_value", "predicted_revenue_next_365_days",
})  # fmt: skip
PREDICTIONS: dict[str, frozenset[str]] = {
    "marts.customer_predictions": PREDICTED,
    "marts.customer_predictions_history": PREDICTED,
    "marts.segment_summary": frozenset({"predicted_revenue_next_365_days", "average_probability_alive"}),
    "marts.segment_comparison": frozenset({"predicted_revenue_next_365_days", "average_probability_alive"}),
    "marts.clv_model_parameters": frozenset({"value", "log_likelihood", "fit_status"}),
    "marts.persona_backtest": frozenset({"predicted_purchase_days_per_customer"}),
}
# (column, values): rows that exist only where the predictions are computed
PREDICTED_ROWS: dict[str, tuple[str, frozenset[str]]] = {
    "marts.persona_backtest": ("group_type", frozenset({"churn_risk", "predicted_orders_decile"})),
}
RELATIVE_TOLERANCE = 1e-9


class Reader(Protocol):
    name: str

    def tables(self, schemas: tuple[str, ...]) -> list[str]:
        """`schema.table` of every base table in `schemas`, sorted."""

    def rows(self, table: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        """The column names and every row of `table`."""


@dataclass
class DuckDBReader:
    database: Path
    name: str = "duckdb"

    @contextmanager
    def _connection(self) -> Iterator[Any]:
        import duckdb

        with duckdb.connect(str(self.database), read_only=True) as connection:
            connection.execute("set TimeZone = 'UTC'")
            yield connection

    def tables(self, schemas: tuple[str, ...]) -> list[str]:
        with self._connection() as connection:
            listed = connection.execute(
                "select table_schema || '.' || table_name from information_schema.tables "
                "where table_type = 'BASE TABLE' and table_schema in (select unnest(?)) order by 1",
                [list(schemas)],
            ).fetchall()
        return [row[0] for row in listed]

    def rows(self, table: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        with self._connection() as connection:
            cursor = connection.execute(f"select * from {quoted(table)}")
            return [column[0] for column in cursor.description], cursor.fetchall()


@dataclass
class PostgresReader:
    login: Any  # orchestration.lib.postgres.Login
    name: str = "postgres"

    def _query(self, sql: str, parameters: list[Any] | None = None) -> tuple[list[str], list[tuple[Any, ...]]]:
        connection = self.login.connect()
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, parameters)
                return [column[0] for column in cursor.description], cursor.fetchall()
        finally:
            connection.close()

    def tables(self, schemas: tuple[str, ...]) -> list[str]:
        _, listed = self._query(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' and table_schema = any(%s) order by 1",
            [list(schemas)],
        )
        return [row[0] for row in listed]

    def rows(self, table: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        return self._query(f"select * from {quoted(table)}")


def postgres_reader(database: str | None = None) -> PostgresReader:
    """The PostgreSQL target's database (PG* settings), or another database on that server."""
    from orchestration.lib import postgres

    login = postgres.builder_login()
    if database:
        login = postgres.Login(login.host, login.port, database, login.user, login.password)
    return PostgresReader(login)


@dataclass
class MirrorReader(DuckDBReader):
    """A DuckDB copy of an engine's schemas (Spark: orchestration/lib/spark.py
    `mirror`). Its copies of that engine's views are left out, as the
    reference lists base tables only."""

    views: frozenset[str] = frozenset()

    def tables(self, schemas: tuple[str, ...]) -> list[str]:
        return [table for table in super().tables(schemas) if table not in self.views]


def spark_reader(mirrored: Path, views: tuple[str, ...] = ()) -> MirrorReader:
    """The Spark target's tables as `spark.mirror` copied them."""
    return MirrorReader(mirrored, name="spark", views=frozenset(views))


# The engines compared with DuckDB, the reference: another engine is one more entry.
ENGINES: dict[str, Callable[..., Reader]] = {
    "duckdb": DuckDBReader,
    "postgres": postgres_reader,
    "spark": spark_reader,
}


def quoted(table: str) -> str:
    return ".".join('"' + part.replace('"', '""') + '"' for part in table.split("."))


def table_keys(manifest: Path) -> dict[str, list[str]]:
    """`schema.table` -> its key columns, from the unique tests in dbt's manifest."""
    document = json.loads(manifest.read_text())
    nodes = document["nodes"]
    keys: dict[str, list[str]] = {}
    for node in nodes.values():
        if node["resource_type"] != "test" or not node.get("attached_node"):
            continue
        model = nodes.get(node["attached_node"])
        if model is None:
            continue
        test = node.get("test_metadata") or {}
        name = f"{model['schema']}.{model['alias']}"
        if test.get("name") == "unique" and node.get("column_name"):
            keys.setdefault(name, [node["column_name"]])
        elif test.get("name") == "unique_combination_of_columns":
            columns = test.get("kwargs", {}).get("combination_of_columns") or []
            if columns and (name not in keys or len(columns) < len(keys[name])):
                keys[name] = list(columns)
    return keys


def _exact(value: Any) -> Any:
    """A value as compared exactly: decimals and whole numbers as Decimal."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | Decimal):
        return Decimal(value).normalize() if value == value else value
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None) if value.tzinfo is None else value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def _sort_text(value: Any) -> str:
    if value is None:
        return "\x00"
    if isinstance(value, float):
        return f"{value:.9e}"
    return str(_exact(value))


def _same(left: Any, right: Any) -> bool:
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, float) or isinstance(right, float):
        try:
            a, b = float(left), float(right)
        except (TypeError, ValueError):
            return False
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b or abs(a - b) <= RELATIVE_TOLERANCE * max(abs(a), abs(b))
    return _exact(left) == _exact(right)


@dataclass
class Difference:
    table: str
    message: str

    def __str__(self) -> str:
        return f"{self.table}: {self.message}"


def compare_table(table: str, reference: Reader, other: Reader, key: list[str] | None, limit: int = 5) -> list[Difference]:
    ref_columns, ref_rows = reference.rows(table)
    other_columns, other_rows = other.rows(table)
    left_out = LEFT_OUT | PREDICTIONS.get(table, frozenset())
    if table in PREDICTED_ROWS:
        column, values = PREDICTED_ROWS[table]
        ref_rows = [row for row in ref_rows if row[ref_columns.index(column)] not in values]
        other_rows = [row for row in other_rows if row[other_columns.index(column)] not in values]
    compared = [column for column in ref_columns if column not in left_out]
    if [c for c in other_columns if c not in left_out] != compared:
        return [Difference(table, f"columns differ: {reference.name} {compared}, {other.name} {other_columns}")]

    def records(columns: list[str], rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
        positions = [columns.index(column) for column in compared]
        return [{column: row[position] for column, position in zip(compared, positions, strict=True)} for row in rows]

    left, right = records(ref_columns, ref_rows), records(other_columns, other_rows)
    floating = {c for c in compared if any(isinstance(r[c], float) for r in left + right)}
    key_columns = [c for c in (key or []) if c in compared] or [c for c in compared if c not in floating]
    order = [*key_columns, *(c for c in compared if c not in key_columns)]

    def sort_key(record: dict[str, Any]) -> tuple[str, ...]:
        return tuple(_sort_text(record[column]) for column in order)

    left.sort(key=sort_key)
    right.sort(key=sort_key)

    def describe(record: dict[str, Any]) -> str:
        return ", ".join(f"{column}={record[column]!r}" for column in key_columns)

    differences: list[Difference] = []
    if len(left) != len(right):
        left_keys = {tuple(_sort_text(r[c]) for c in key_columns): r for r in left}
        right_keys = {tuple(_sort_text(r[c]) for c in key_columns): r for r in right}
        only_left = [left_keys[k] for k in sorted(set(left_keys) - set(right_keys))][:limit]
        only_right = [right_keys[k] for k in sorted(set(right_keys) - set(left_keys))][:limit]
        message = f"{len(left)} rows on {reference.name}, {len(right)} on {other.name}"
        if only_left:
            message += f"; only on {reference.name}: " + " | ".join(describe(r) for r in only_left)
        if only_right:
            message += f"; only on {other.name}: " + " | ".join(describe(r) for r in only_right)
        return [Difference(table, message)]
    for a, b in zip(left, right, strict=True):
        for column in compared:
            if not _same(a[column], b[column]):
                differences.append(
                    Difference(
                        table,
                        f"key ({describe(a)}), column {column}: {reference.name} {a[column]!r}, {other.name} {b[column]!r}",
                    )
                )
                break
        if len(differences) >= limit:
            break
    return differences


def compare(
    reference: Reader, other: Reader, keys: dict[str, list[str]], schemas: tuple[str, ...] = COMPARED_SCHEMAS
) -> tuple[list[str], list[Difference]]:
    """The tables compared and every difference (a table present on one side only is one)."""
    ref_tables, other_tables = reference.tables(schemas), other.tables(schemas)
    differences = [
        Difference(table, f"only on {name}")
        for name, missing_from in ((reference.name, other_tables), (other.name, ref_tables))
        for table in (ref_tables if name == reference.name else other_tables)
        if table not in missing_from
    ]
    compared = [table for table in ref_tables if table in other_tables]
    for table in compared:
        differences.extend(compare_table(table, reference, other, keys.get(table)))
    return compared, differences
