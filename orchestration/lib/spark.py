"""The Spark target's local settings, one definition for the dbt profile's
defaults, the loader, publishing and the tests (the `spark_cluster` output of
profiles.yml, for a cluster, has settings of its own: README).

Every setting comes from an environment variable with a default (profiles.yml
reads the same variables with the same defaults):

| variable | default | what |
|---|---|---|
| SPARK_MASTER | local[2] | where a session runs: local[N] uses N cores of this machine |
| SPARK_DRIVER_MEMORY | 4g | the local session's heap |
| SPARK_WAREHOUSE_DIR | warehouse/spark | the local session's tables (Parquet) and catalog (Derby) |
| SPARK_RAW_DIR | $SPARK_WAREHOUSE_DIR/raw_files | where `make load` writes the raw entities as Parquet for Spark to read |
| SPARK_SHUFFLE_PARTITIONS | 8 | partitions of every join and aggregation (spark.sql.shuffle.partitions) |

The local session keeps its catalog in an embedded Derby database, which one
process opens at a time: the build, then publishing, one after the other.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parents[2]


def warehouse_dir() -> Path:
    value = Path(os.environ.get("SPARK_WAREHOUSE_DIR") or PROJECT_DIR / "warehouse" / "spark")
    return value if value.is_absolute() else (PROJECT_DIR / value).resolve()


def raw_dir() -> Path:
    """The loader's Parquet files, one directory per raw entity, which the
    build's external tables in the raw schema read (macros/staging/create_raw_relations.sql)."""
    value = os.environ.get("SPARK_RAW_DIR")
    if not value:
        return warehouse_dir() / "raw_files"
    path = Path(value)
    return path if path.is_absolute() else (PROJECT_DIR / path).resolve()


def describe() -> str:
    """Where the local session runs and keeps its tables, for messages."""
    return f"{os.environ.get('SPARK_MASTER') or 'local[2]'}, tables in {warehouse_dir()}"


def session_settings() -> dict[str, str]:
    """The local session's settings, as profiles.yml gives them to dbt-spark
    (ANSI mode off, as dbt-spark forces it)."""
    warehouse = warehouse_dir()
    return {
        "spark.master": os.environ.get("SPARK_MASTER") or "local[2]",
        "spark.driver.memory": os.environ.get("SPARK_DRIVER_MEMORY") or "4g",
        "spark.sql.warehouse.dir": str(warehouse),
        "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={warehouse}/metastore_db;create=true",
        "spark.driver.extraJavaOptions": (
            f"-Dlog4j2.configurationFile={PROJECT_DIR}/orchestration/spark/log4j2.properties"
            f" -Dderby.system.home={warehouse} -Duser.timezone=UTC"
        ),
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
        "spark.sql.sources.partitionOverwriteMode": "dynamic",
        "spark.sql.shuffle.partitions": os.environ.get("SPARK_SHUFFLE_PARTITIONS") or "8",
        "spark.ui.enabled": "false",
        "spark.sql.constraintPropagation.enabled": "false",
        "spark.sql.optimizer.excludedRules": os.environ.get(
            "SPARK_EXCLUDED_RULES", "org.apache.spark.sql.catalyst.optimizer.PushDownPredicates"
        ),
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.ansi.enabled": "false",
    }


def local_session():
    """A local SparkSession with the build's catalog (enableHiveSupport, as
    dbt-spark's session method). Stop it before the next build starts."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.enableHiveSupport().appName("customer_segments")
    for key, value in session_settings().items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def duckdb_type(spark_type: str) -> str:
    """DuckDB's name for a Spark SQL type (DataType.simpleString())."""
    simple = {
        "string": "varchar",
        "boolean": "boolean",
        "tinyint": "tinyint",
        "smallint": "smallint",
        "int": "integer",
        "bigint": "bigint",
        "float": "real",
        "double": "double",
        "date": "date",
        # Spark's timestamp is an instant shown in the session's time zone (UTC here): DuckDB's
        # timestamp in UTC, as the other engines build it.
        "timestamp": "timestamp",
        "timestamp_ntz": "timestamp",
        "binary": "blob",
    }
    if spark_type in simple:
        return simple[spark_type]
    if spark_type.startswith("decimal("):
        return spark_type
    if spark_type.startswith("varchar(") or spark_type.startswith("char("):
        return "varchar"
    raise ValueError(f"Spark type {spark_type} has no DuckDB counterpart in the mirror")


def manifest_documentation(manifest: Path | None) -> dict[str, tuple[str, list[tuple[str, str]], bool]]:
    """Per `schema.table` of a model or seed in dbt's manifest: its description,
    its documented columns with their descriptions, and whether its contract
    is enforced (then the columns' order is the contract's)."""
    if manifest is None or not manifest.exists():
        return {}
    nodes = json.loads(manifest.read_text())["nodes"].values()
    documented = {}
    for node in nodes:
        if node["resource_type"] not in ("model", "seed"):
            continue
        columns = [(name, column.get("description") or "") for name, column in node.get("columns", {}).items()]
        enforced = bool(node.get("config", {}).get("contract", {}).get("enforced"))
        documented[f"{node['schema']}.{node.get('alias') or node['name']}"] = (node.get("description") or "", columns, enforced)
    return documented


def mirror(schemas: tuple[str, ...], database: Path, manifest: Path | None = None, views: bool = True) -> dict[str, Any]:
    """_mirror in a process of its own (see run_in_subprocess): {"tables":
    rows per `schema.table` copied, "views": the copied ones that are views
    in Spark}."""
    arguments = ["mirror", str(database), "--schemas", *schemas]
    if manifest is not None:
        arguments += ["--manifest", str(manifest)]
    if not views:
        arguments.append("--no-views")
    return run_in_subprocess(arguments)


def query(sql: str) -> list[list[Any]]:
    """The rows of a query on the local session, in a process of its own."""
    return run_in_subprocess(["query", sql])


def save_table(table: str, column: str, values: list[str]) -> None:
    """Replaces `table` (schema.name) with one text column of `values`, in a process of its own."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(values, handle)
    try:
        run_in_subprocess(["save-table", table, column, handle.name])
    finally:
        Path(handle.name).unlink(missing_ok=True)


def run_in_subprocess(arguments: list[str]) -> Any:
    """Runs `python -m orchestration.lib.spark <arguments>` and returns what it
    prints (JSON). The local catalog is an embedded Derby database that the
    JVM which opened it keeps locked until it exits, and a Python process
    keeps its JVM: a session opened here would lock dbt's next build out."""
    done = subprocess.run(
        [sys.executable, "-m", "orchestration.lib.spark", *arguments],
        cwd=PROJECT_DIR, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"Spark ({' '.join(arguments[:1])}) failed: {done.stderr.strip()[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _mirror(schemas: tuple[str, ...], database: Path, manifest: Path | None = None, views: bool = True) -> dict[str, Any]:
    """Copies every table and view of `schemas` in the local Spark catalog,
    with its column types and comments, into the DuckDB file `database`
    (created; it must not exist): what the project's readers (publish,
    summary, export, Great Expectations, the dashboard) read, whatever engine
    built the marts. Spark writes each table as Parquet into a scratch
    directory and DuckDB reads it with the types Spark's catalog gives. The
    local catalog admits one process at a time, so no build runs meanwhile.

    Spark keeps no column comments on Parquet tables and puts partition
    columns last: with the build's `manifest`, comments missing in the
    catalog come from the dbt docs, and a contracted model's columns are in
    its contract's order, as on the other engines. Views are copied as
    tables unless `views` is false."""
    import duckdb

    copied: dict[str, int] = {}
    copied_views: list[str] = []
    documentation = manifest_documentation(manifest)
    session = local_session()
    try:
        with duckdb.connect(str(database)) as mirror_db, tempfile.TemporaryDirectory(prefix="spark_mirror_") as work:
            mirror_db.execute("set TimeZone = 'UTC'")
            for schema in schemas:
                if not session.catalog.databaseExists(schema):
                    continue
                mirror_db.execute(f"create schema if not exists {quote_identifier(schema)}")
                for table in sorted(session.catalog.listTables(schema), key=lambda listed: listed.name):
                    if table.isTemporary or (table.tableType == "VIEW" and not views):
                        continue
                    qualified = f"`{schema}`.`{table.name}`"
                    frame = session.table(qualified)
                    columns = [(field.name, duckdb_type(field.dataType.simpleString())) for field in frame.schema.fields]
                    listed = session.catalog.listColumns(f"{schema}.{table.name}")
                    comments = {column.name: column.description for column in listed}
                    description, documented, enforced = documentation.get(f"{schema}.{table.name}", ("", [], False))
                    for column, text in documented:
                        comments[column] = comments.get(column) or text
                    order = [column for column, _ in documented]
                    if enforced and sorted(order) == sorted(column for column, _ in columns):
                        types = dict(columns)
                        columns = [(column, types[column]) for column in order]
                    name = f"{quote_identifier(schema)}.{quote_identifier(table.name)}"
                    definition = ", ".join(f"{quote_identifier(column)} {kind}" for column, kind in columns)
                    mirror_db.execute(f"create table {name} ({definition})")
                    staged = Path(work) / schema / table.name
                    frame.write.mode("overwrite").parquet(str(staged))
                    if any(staged.glob("*.parquet")):
                        select = ", ".join(
                            f"cast({quote_identifier(column)} as {kind})" for column, kind in columns
                        )
                        mirror_db.execute(
                            f"insert into {name} select {select} from read_parquet({quote_literal(str(staged / '*.parquet'))})"
                        )
                    if table.description or description:
                        mirror_db.execute(f"comment on table {name} is {quote_literal(table.description or description)}")
                    for column, _ in columns:
                        if comments.get(column):
                            comment = quote_literal(comments[column])
                            mirror_db.execute(f"comment on column {name}.{quote_identifier(column)} is {comment}")
                    copied[f"{schema}.{table.name}"] = mirror_db.execute(f"select count(*) from {name}").fetchone()[0]
                    if table.tableType == "VIEW":
                        copied_views.append(f"{schema}.{table.name}")
    finally:
        session.stop()
    return {"tables": copied, "views": copied_views}


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.lib.spark", description="The local Spark session's helpers; each prints JSON."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    copy = commands.add_parser("mirror", help="copy schemas of the local catalog into a new DuckDB file")
    copy.add_argument("database", type=Path)
    copy.add_argument("--schemas", nargs="+", required=True)
    copy.add_argument("--manifest", type=Path)
    copy.add_argument("--no-views", action="store_true")
    read = commands.add_parser("query", help="the rows of a query")
    read.add_argument("sql")
    save = commands.add_parser("save-table", help="replace a table with one text column read from a JSON list")
    save.add_argument("table")
    save.add_argument("column")
    save.add_argument("values", type=Path)
    arguments = parser.parse_args(argv)
    if arguments.command == "mirror":
        result: Any = _mirror(tuple(arguments.schemas), arguments.database, arguments.manifest, not arguments.no_views)
    else:
        session = local_session()
        try:
            if arguments.command == "query":
                result = [[_jsonable(value) for value in row] for row in session.sql(arguments.sql).collect()]
            else:
                schema = arguments.table.split(".")[0]
                session.sql(f"create schema if not exists `{schema}`")
                session.sql(f"drop table if exists {arguments.table}")
                values = json.loads(arguments.values.read_text())
                frame = session.createDataFrame([(value,) for value in values], f"`{arguments.column}` string")
                frame.write.format("parquet").saveAsTable(arguments.table)
                result = len(values)
        finally:
            session.stop()
    print(json.dumps(result))
    return 0


def _jsonable(value: Any) -> Any:
    return value if value is None or isinstance(value, (str, int, float, bool)) else str(value)


if __name__ == "__main__":
    raise SystemExit(main())
