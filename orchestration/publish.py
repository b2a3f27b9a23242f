"""`make publish`: make the working warehouse's marts available to readers.

Copies every mart into a new serving file (DuckDB 1.0+ storage format) and
renames it over the previous one in one atomic step. Readers with the previous
file open keep reading it; new connections see the new version. Run it only
after a build and its checks passed: `make run` and the Dagster job do.

With DBT_TARGET=postgres the marts and seeds are first copied from the server
(one snapshot, orchestration/lib/postgres.py `mirror`), so that the project's
own readers (summary, export, Great Expectations, dashboard, metrics) read the
same file whatever engine built it; BI tools read the server's marts schema
directly, as the BI role. With DBT_TARGET=spark they are copied from the local
Spark catalog the same way (orchestration/lib/spark.py `mirror`).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from orchestration.lib import postgres, spark
from orchestration.lib.publish import PUBLISHED_SCHEMAS, PublishError, invocation_of, publish, published_path
from orchestration.lib.warehouse import PROJECT_DIR, configure_environment, dbt_target, duckdb_path
from orchestration.lib.warehouse_lock import WarehouseLockedError, wait_until_free


def main(argv: list[str] | None = None) -> int:
    configure_environment()
    parser = argparse.ArgumentParser(prog="python -m orchestration.publish", description=__doc__)
    parser.add_argument("--duckdb-path", type=Path, default=None, help="working warehouse (default: $DUCKDB_PATH)")
    parser.add_argument(
        "--published-path", type=Path, default=None,
        help="serving file (default: $PUBLISHED_DUCKDB_PATH, or published/<file name> beside the working file)",
    )
    parser.add_argument(
        "--run-results", type=Path,
        default=Path(os.environ.get("DBT_TARGET_PATH") or PROJECT_DIR / "target") / "run_results.json",
        help="the build's dbt run_results.json (default: in $DBT_TARGET_PATH or target/), for the invocation id "
        "recorded with the publication and, on Spark, the manifest beside it",
    )
    args = parser.parse_args(argv)
    working = (args.duckdb_path or duckdb_path()).resolve()
    target = (args.published_path or published_path(working)).resolve()
    try:
        if dbt_target() == "postgres":
            target.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=target.parent, prefix=".postgres_mirror_") as work:
                mirrored = Path(work) / working.name
                postgres.mirror(postgres.builder_login(), PUBLISHED_SCHEMAS, mirrored)
                publication = publish(mirrored, target, invocation_id=invocation_of(args.run_results))
        elif dbt_target() == "spark":
            target.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=target.parent, prefix=".spark_mirror_") as work:
                mirrored = Path(work) / working.name
                spark.mirror(PUBLISHED_SCHEMAS, mirrored, manifest=args.run_results.with_name("manifest.json"))
                publication = publish(mirrored, target, invocation_id=invocation_of(args.run_results))
        else:
            wait_until_free(working, read_only=True)
            publication = publish(working, target, invocation_id=invocation_of(args.run_results))
    except WarehouseLockedError as error:
        print(f"publish: {error}", file=sys.stderr)
        return 3  # as the other commands that wait for the warehouse (orchestration.dbt_gate.LOCKED)
    except PublishError as error:
        print(f"publish: {error}", file=sys.stderr)
        return 2
    rows = sum(publication.relations.values())
    print(
        f"published {len(publication.relations)} tables ({rows:,} rows, as of {publication.as_of_date}) "
        f"to {publication.path} in {publication.seconds:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
