"""Compile segment conditions with the project's own macros (dbt run-operation
segment_sql, in process, parsing once) and run the SQL on small tables in
DuckDB that stand in for the relations it reads."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from conftest import PROJECT_DIR, ParseFailure, environment, operation_without_dag, parsed_manifest
from segment_reference import SegmentData

BEGIN, END = "-- segment_sql begin\n", "\n-- segment_sql end"
BATCH_BEGIN = "-- segment_sql begin "  # then the condition's name and a newline

# The columns of each stand-in relation, with DuckDB types (as the models).
CONTACT_COLUMNS = {
    "contact_id": "varchar",
    "email": "varchar",
    "first_name": "varchar",
    "last_name": "varchar",
    "country_code": "varchar",
    "city": "varchar",
    "gender": "varchar",
    "birth_date": "date",
    "age_years": "integer",
    "created_at": "timestamp",
    "created_date": "date",
    "updated_at": "timestamp",
    "first_seen_date": "date",
    "subscription_status": "varchar",
    "is_subscribed": "boolean",
    "has_email": "boolean",
    "acquisition_channel": "varchar",
    "is_customer": "boolean",
    "first_valid_order_date": "date",
    "last_valid_order_date": "date",
    "valid_orders": "bigint",
    "net_revenue": "decimal(18,2)",
    "as_of_date": "date",
    "rfm_persona": "varchar",
    "lifecycle_stage": "varchar",
    "recency_score": "integer",
    "frequency_score": "integer",
    "monetary_score": "integer",
    "engagement_level": "varchar",
    "engagement_score": "double",
    "opportunity_group": "varchar",
    "opportunity_intent": "varchar",
    "contact_type": "varchar",
    "purchase_phase": "varchar",
    "engaged_status": "varchar",
    "probability_alive": "double",
    "churn_risk": "varchar",
    "expected_orders_next_90_days": "double",
    "expected_average_order_value": "decimal(38,2)",
    "predicted_revenue_next_365_days": "decimal(38,2)",
    "median_days_between_orders": "double",
    "days_until_expected_next_order": "integer",
    "email_campaigns_sent": "bigint",
    "email_open_rate_pct": "double",
    "email_click_rate_pct": "double",
    "engaged_last_30_days": "boolean",
    "engaged_last_60_days": "boolean",
    "engaged_last_90_days": "boolean",
}
TABLES = {
    "int_segment_contacts": CONTACT_COLUMNS,
    "int_segment_orders": {
        "order_id": "varchar",
        "contact_id": "varchar",
        "ordered_date": "date",
        "channel": "varchar",
        "net_revenue": "decimal(18,2)",
    },
    "int_segment_order_lines": {
        "order_line_id": "varchar",
        "order_id": "varchar",
        "contact_id": "varchar",
        "ordered_date": "date",
        "channel": "varchar",
        "product_id": "varchar",
        "category": "varchar",
        "subcategory": "varchar",
        "brand": "varchar",
        "line_revenue": "decimal(18,2)",
    },
    "int_segment_events": {
        "event_id": "varchar",
        "contact_id": "varchar",
        "event_type": "varchar",
        "occurred_date": "date",
        "url": "varchar",
        "campaign_id": "varchar",
        "product_id": "varchar",
        "category": "varchar",
        "subcategory": "varchar",
        "traffic_source": "varchar",
        "utm_source": "varchar",
        "utm_medium": "varchar",
        "utm_campaign": "varchar",
        "is_machine_open": "boolean",
    },
    "int_contact_tag_scores": {
        "contact_id": "varchar",
        "tag": "varchar",
        "score": "decimal(18,2)",
        "first_tagged_date": "date",
        "last_tagged_date": "date",
    },
    "int_static_list_members": {"list_key": "varchar", "contact_id": "varchar", "effective_date": "date"},
}
SCORE_TYPES = {
    "rfm_persona": "text",
    "lifecycle_stage": "text",
    "recency_score": "number",
    "frequency_score": "number",
    "monetary_score": "number",
    "engagement_level": "text",
    "engagement_score": "number",
    "opportunity_group": "text",
    "opportunity_intent": "text",
    "contact_type": "text",
    "purchase_phase": "text",
    "engaged_status": "text",
}


def value_type(duckdb_type: str) -> str:
    if duckdb_type in ("date", "timestamp"):
        return "date"
    if duckdb_type == "boolean":
        return "boolean"
    if duckdb_type == "varchar":
        return "text"
    return "number"


# What a field or score condition compares: dim_contacts' columns and the scores.
FIELD_TYPES = {
    **{name: value_type(kind) for name, kind in CONTACT_COLUMNS.items() if name not in SCORE_TYPES},
    **SCORE_TYPES,
}


class CompileError(Exception):
    """A condition dbt refused, with dbt's message."""


@dataclass
class SegmentCompiler:
    """dbt parsed once per worker; each compile is one run-operation on that manifest."""

    root: Path

    def __post_init__(self) -> None:
        from dbt.cli.main import dbtRunner

        # The name every test warehouse has: the worker's parse of the project (conftest.parsed_manifest) serves.
        self.database = self.root / "warehouse.duckdb"
        self.environment = {
            "DUCKDB_PATH": str(self.database),
            "RAW_DATA_DIR": str(self.root),
            "DBT_PROFILES_DIR": str(PROJECT_DIR),
            "DBT_PROJECT_DIR": str(PROJECT_DIR),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
        self.common = [
            "--project-dir",
            str(PROJECT_DIR),
            "--target-path",
            str(self.root / "target"),
            "--log-path",
            str(self.root / "logs"),
        ]
        parsed = parsed_manifest(PROJECT_DIR, self.database.name)
        if isinstance(parsed, ParseFailure):
            raise RuntimeError(f"dbt parse failed: {parsed.message}")
        self.manifest = parsed
        self.messages: list[str] = []
        self.runner = dbtRunner(manifest=self.manifest, callbacks=[self._collect])

    def _invoke(self, command: list[str]) -> Any:
        with environment(self.environment), operation_without_dag():
            return self.runner.invoke(command)

    def _collect(self, event: Any) -> None:
        message = getattr(event.info, "msg", "")
        if message:
            self.messages.append(str(message))

    def compile(self, condition: Mapping[str, Any], as_of: dt.date, segments: Mapping[str, Any] | None = None) -> str:
        self.messages = []
        arguments = {"condition": condition, "segments": dict(segments or {}), "as_of_date": as_of.isoformat()}
        result = self._invoke(["run-operation", "segment_sql", "--args", json.dumps(arguments), *self.common])
        text = "\n".join(self.messages)
        if BEGIN in text:
            return text.split(BEGIN, 1)[1].split(END, 1)[0]
        raise CompileError(f"{result.exception}\n{text}")

    def compile_many(
        self, conditions: Mapping[str, Mapping[str, Any]], as_of: dt.date, segments: Mapping[str, Any] | None = None
    ) -> dict[str, str]:
        """Each condition's SQL by its name, from one run-operation (one call costs what ten conditions do)."""
        self.messages = []
        arguments = {"conditions": dict(conditions), "segments": dict(segments or {}), "as_of_date": as_of.isoformat()}
        result = self._invoke(["run-operation", "segment_sql", "--args", json.dumps(arguments), *self.common])
        compiled = {}
        for message in self.messages:
            if message.startswith(BATCH_BEGIN):
                name, sql = message[len(BATCH_BEGIN) :].split("\n", 1)
                compiled[name] = sql.split(END, 1)[0]
        if not result.success or set(compiled) != set(conditions):
            raise CompileError(f"{result.exception}\n" + "\n".join(self.messages))
        return compiled

    def operation(
        self, macro: str, arguments: Mapping[str, Any], variables: Mapping[str, Any] | None = None
    ) -> tuple[bool, str]:
        """Any macro as a run-operation on the parsed manifest: whether it
        succeeded, and dbt's error and log text."""
        self.messages = []
        command = ["run-operation", macro, "--args", json.dumps(arguments), *self.common]
        if variables:
            command += ["--vars", json.dumps(variables)]
        result = self._invoke(command)
        return result.success, f"{result.exception}\n" + "\n".join(self.messages)


def database_name(compiler: SegmentCompiler) -> str:
    return compiler.database.stem


def load(connection: duckdb.DuckDBPyConnection, database: str, data: SegmentData) -> None:
    """Replace the stand-in tables with `data`."""
    rows = {
        "int_segment_contacts": data.contacts,
        "int_segment_orders": data.orders,
        "int_segment_order_lines": data.lines,
        "int_segment_events": data.events,
        "int_contact_tag_scores": data.tags,
        "int_static_list_members": data.static_members,
    }
    for table, columns in TABLES.items():
        relation = f'"{database}"."intermediate"."{table}"'
        connection.execute(
            f"create or replace table {relation} ({', '.join(f'{name} {kind}' for name, kind in columns.items())})"
        )
        if rows[table]:
            names = list(columns)
            placeholders = ", ".join("?" for _ in names)
            connection.executemany(
                f"insert into {relation} values ({placeholders})",
                [[convert(row.get(name)) for name in names] for row in rows[table]],
            )


def convert(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def connect(database: str) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute(f"attach ':memory:' as \"{database}\"")
    connection.execute(f'create schema "{database}"."intermediate"')
    # the warehouse's catalog is the default, as in a dbt session: compiled SQL names schema.table
    connection.execute(f'use "{database}"')
    return connection


def run(connection: duckdb.DuckDBPyConnection, sql: str) -> set[str]:
    return {row[0] for row in connection.execute(sql).fetchall()}
