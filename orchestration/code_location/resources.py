"""The Dagster resources: the warehouse (DuckDB with its lock retries, or the
PostgreSQL target), and dbt."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource
from pydantic import Field

from orchestration.lib import postgres, spark
from orchestration.lib.publish import PUBLISHED_SCHEMAS
from orchestration.lib.warehouse import PROJECT_DIR, check_writable, dbt_target, duckdb_path, lock_message, raw_data_dir
from orchestration.lib.warehouse_lock import WarehouseLockedError, is_lock_error

# The pool every op that opens the DuckDB file belongs to. dagster_home/dagster.yaml
# limits it to one run at a time ("granularity: run").
WAREHOUSE_POOL = "duckdb_warehouse"


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse (DUCKDB_PATH) and the raw files (RAW_DATA_DIR), and
    what a run does when another process holds the file."""

    lock_retries: int = Field(default=3, description="How many times a run retries a step that found the DuckDB file locked.")
    lock_retry_seconds: float = Field(default=60.0, description="Seconds to wait before each retry.")

    @property
    def target(self) -> str:
        """The dbt target the runs build (DBT_TARGET): duckdb, postgres or spark."""
        return dbt_target()

    @property
    def database(self) -> Path:
        """The DuckDB file: the warehouse on the duckdb target; on postgres, where the
        published file goes (published/ beside it)."""
        return duckdb_path()

    @contextmanager
    def marts_file(self) -> Iterator[Path]:
        """A DuckDB file holding the built marts and seeds, for the steps that read
        them (metadata, Great Expectations, publish): the warehouse itself, or on
        PostgreSQL and Spark a snapshot copied from the engine (postgres.mirror,
        spark.mirror)."""
        if self.target not in ("postgres", "spark"):
            yield self.database
            return
        self.database.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.database.parent, prefix=f".{self.target}_mirror_") as work:
            mirrored = Path(work) / self.database.name
            if self.target == "postgres":
                postgres.mirror(postgres.builder_login(), PUBLISHED_SCHEMAS, mirrored)
            else:
                spark.mirror(PUBLISHED_SCHEMAS, mirrored, manifest=PROJECT_DIR / "target" / "manifest.json")
            yield mirrored

    @property
    def raw_data_dir(self) -> Path:
        return raw_data_dir()

    def _retry(self, context: dg.OpExecutionContext, message: str) -> dg.RetryRequested:
        """The exception a step raises when it found the file locked: logged with
        the holder, then retried after `lock_retry_seconds`."""
        attempt = context.retry_number + 1
        context.log.error(f"{message} (attempt {attempt} of {self.lock_retries + 1})")
        return dg.RetryRequested(max_retries=self.lock_retries, seconds_to_wait=self.lock_retry_seconds)

    def ensure_writable(self, context: dg.OpExecutionContext) -> None:
        """Before writing: retry later when another process holds the file (a
        PostgreSQL server takes concurrent writers itself; Spark's local catalog
        admits one process, which dbt's own error names)."""
        if self.target in ("postgres", "spark"):
            return
        try:
            check_writable(self.database)
        except WarehouseLockedError as error:
            raise self._retry(context, str(error)) from error

    def raise_if_locked(self, context: dg.OpExecutionContext, error_text: str) -> None:
        """After a failure (DuckDB's or dbt's error text): retry later when the
        cause was the lock; return otherwise, for the caller to fail."""
        if self.target == "duckdb" and is_lock_error(error_text):
            raise self._retry(context, lock_message(self.database, error_text))


def resources() -> dict[str, object]:
    from orchestration.code_location.dbt_project import DBT_EXECUTABLE, dbt_project

    return {
        # The dbt of this interpreter's environment (.venv), whatever PATH holds.
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE),
        "warehouse": WarehouseResource(),
    }
