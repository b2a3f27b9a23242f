"""`make validate`: run every mart's Great Expectations suite against the
published marts (what readers see; `--duckdb-path` names another file) and
build the Data Docs site beside the working warehouse. Exit 1 when an
expectation fails."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.lib.publish import published_path
from orchestration.lib.quality.runner import as_of_date_in, data_docs_index, gx_project_dir, run_suites
from orchestration.lib.quality.suites import SuiteSettings
from orchestration.lib.warehouse import configure_environment, duckdb_path
from orchestration.lib.warehouse_lock import WarehouseLockedError, wait_until_free


def run_name(database: Path, as_of_date: str) -> str:
    """The validation run's name in Data Docs: the as-of date, and the dbt build that was published."""
    try:
        with duckdb.connect(str(database), read_only=True) as connection:
            invocation = connection.execute("select max(dbt_invocation_id) from publication.published_relations").fetchone()[0]
    except duckdb.Error:  # not a published file
        invocation = None
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M")
    return f"as of {as_of_date}, " + (f"dbt build {invocation}" if invocation else f"validated {stamp} UTC")


def main(argv: list[str] | None = None) -> int:
    configure_environment()
    parser = argparse.ArgumentParser(prog="python -m orchestration.validate", description=__doc__)
    parser.add_argument(
        "--duckdb-path", type=Path, default=None,
        help="DuckDB file to validate (default: the published file of $DUCKDB_PATH, see `make publish`)",
    )
    parser.add_argument(
        "--as-of-date", default=None, help="as-of date the marts were built for (default: the one in dim_contacts)"
    )
    parser.add_argument("--mart", action="append", default=None, help="validate only this mart (repeatable)")
    args = parser.parse_args(argv)
    database = args.duckdb_path or published_path(duckdb_path())
    if not database.is_file():
        print(f"validate: no warehouse at {database}; run `make run` first (it builds and publishes)", file=sys.stderr)
        return 2
    try:
        wait_until_free(database, read_only=True)
    except WarehouseLockedError as error:
        print(f"validate: {error}", file=sys.stderr)
        return 3
    started = time.monotonic()
    as_of_date = args.as_of_date or as_of_date_in(database)
    settings = SuiteSettings(as_of_date=as_of_date)
    # Data Docs live beside the working warehouse whichever file is validated.
    project_dir = gx_project_dir(args.duckdb_path or duckdb_path())
    results = run_suites(database, settings=settings, marts=args.mart, project_dir=project_dir,
                         run_name=run_name(database, as_of_date))  # fmt: skip
    failed = [result for result in results if not result.success]
    for result in results:
        passed = sum(outcome.success for outcome in result.outcomes)
        status = "ok" if result.success else "FAILED"
        print(f"  {result.mart:<28} {passed:>3} of {len(result.outcomes):>3} expectations  {status}")
        if result.error:
            print(f"      {result.error}")
        for outcome in result.failures:
            print(f"      {outcome.frame}: {outcome.expectation} {outcome.arguments}: observed {outcome.observed}")
    expectations = sum(len(result.outcomes) for result in results)
    print(
        f"validated {len(results)} marts, {expectations} expectations in {time.monotonic() - started:.1f} s: "
        f"{len(failed)} suite(s) failed"
    )
    print(f"Data Docs: {data_docs_index(project_dir)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
