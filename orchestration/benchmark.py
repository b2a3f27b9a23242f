"""Benchmarks at stated scales: generate the sample data, `dbt build` it, then
measure a daily refresh (the next day's events arrive and the as-of date moves
on by one day; the event models validate only the new and affected days) and
the customers export of every active segment (CSV and Parquet).

Each step runs as its own process; the wall time and the peak resident memory
of that process tree are measured and written to
`benchmarks/out/<scale>.json`, with a Markdown row for BENCHMARKS.md.
Timings are measurements of this machine, not tests: nothing here asserts speed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from orchestration.lib import dbt_threads

PROJECT_DIR = Path(__file__).resolve().parent.parent
SCALES = {
    "small": {"contacts": 10_000, "orders": 100_000, "events": 1_000_000},
    "medium": {"contacts": 100_000, "orders": 1_000_000, "events": 10_000_000},
    "large": {"contacts": 1_000_000, "orders": 10_000_000, "events": 100_000_000},
}


STEPS = ("generate", "build", "peers", "refresh", "publish", "export", "predictions")
# What `make build` runs: every seed, model and data test; the unit tests prove
# the SQL on fixed rows and run in `make test`, not on a build of real data.
BUILD_FLAGS = ("--exclude-resource-type", "unit_test")


def directory_bytes(path: Path) -> int:
    """Bytes of the files under `path` (0 when it does not exist); files may vanish while it counts."""
    total = 0
    # os.walk skips a directory that vanishes while it reads (DuckDB removes its spill files, and the directory, as it goes)
    for directory, _, files in os.walk(path):
        for name in files:
            try:
                total += os.stat(os.path.join(directory, name)).st_size
            except FileNotFoundError:
                continue
    return total


def measured(command: list[str], env: dict[str, str], spill_dir: Path | None = None) -> dict[str, float]:
    """Runs the command in a child that reports its own children's peak RSS, so
    each step's memory is its own. With `spill_dir` (DuckDB's temp_directory),
    its size is sampled every half second and the peak reported as spill."""
    probe = (
        "import resource, subprocess, sys, time; started = time.monotonic(); "
        "code = subprocess.call(sys.argv[1:]); "
        "print('BENCH', code, round(time.monotonic() - started, 1), "
        "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)"
    )
    peak_spill = 0
    captured: list[str] = []  # the child's stderr, read beside the sampling so that its pipe never fills
    with subprocess.Popen(
        [sys.executable, "-c", probe, *command], env=env, cwd=PROJECT_DIR, stderr=subprocess.PIPE, text=True
    ) as process:
        reader = threading.Thread(target=lambda: captured.append(process.stderr.read()), daemon=True)
        reader.start()
        while process.poll() is None:
            if spill_dir is not None:
                peak_spill = max(peak_spill, directory_bytes(spill_dir))
            time.sleep(0.5)
        reader.join()
    lines = "".join(captured).splitlines()
    sys.stderr.write("\n".join(line for line in lines if not line.startswith("BENCH")) + "\n")
    _, code, seconds, max_rss_kb = next(line for line in lines if line.startswith("BENCH")).split()
    if int(code) != 0:
        raise SystemExit(f"benchmark: step failed with exit code {code}: {' '.join(command)}")
    figures = {"seconds": float(seconds), "peak_rss_gib": round(int(max_rss_kb) / 1024 / 1024, 2)}
    if spill_dir is not None:
        figures["peak_spill_gib"] = round(peak_spill / 1024**3, 2)
    return figures


def model_seconds(run_results: Path) -> dict[str, float]:
    """Each model's execution time in the build, slowest first."""
    results = json.loads(run_results.read_text(encoding="utf-8"))["results"]
    times = {
        result["unique_id"].split(".")[-1]: round(result["execution_time"], 1)
        for result in results
        if result["unique_id"].startswith("model.")
    }
    return dict(sorted(times.items(), key=lambda item: -item[1]))


# A daily refresh's new data: the last day's events, orders and order lines
# again, one day later and with new ids, and a new version (dated the new day)
# of about one in 500 older completed orders: refunded in full, or cancelled.
NEXT_DAY_ROWS = {
    "events": ("event_id", "occurred_at", None),
    "orders": ("order_id", "ordered_at", None),
    "order_lines": ("order_id", None, "orders"),
}


def append_next_day(raw: Path, last: str) -> str:
    """Appends the next day's data (NEXT_DAY_ROWS) to the raw Parquet files, as
    a day of new data would arrive; returns the new day."""
    import duckdb  # the benchmark's only use of it; keeps --help fast

    next_day = (dt.date.fromisoformat(last) + dt.timedelta(days=1)).isoformat()
    with duckdb.connect() as connection:
        connection.execute("set enable_progress_bar = false")
        orders = raw / "orders.parquet"
        appended = connection.execute(
            f"select count(*) from read_parquet('{orders}') where order_id like '{next_day}-%'"
        ).fetchone()
        if appended and appended[0]:
            # a second copy would make every new row an identical copy of the first
            raise SystemExit(
                f"refresh: {raw} already holds the appended day {next_day} of an earlier refresh; "
                "run the benchmark with --steps generate first (or remove that day's rows)"
            )
        last_orders = f"select order_id from read_parquet('{orders}') where substring(trim(ordered_at), 1, 10) = '{last}'"
        for entity, (key, stamp, parent) in NEXT_DAY_ROWS.items():
            path = raw / f"{entity}.parquet"
            staged = raw / f"{entity}.next_day.tmp"
            columns = [row[0] for row in connection.execute(f"describe select * from read_parquet('{path}')").fetchall()]
            shifted = ", ".join(
                f"'{next_day}-' || {key} as {key}"
                if column == key
                else f"'{next_day}' || substring(trim({stamp}), 11) as {stamp}"
                if column == stamp
                else column
                for column in columns
            )
            new_rows = (
                f"select {shifted} from read_parquet('{path}') where order_id in ({last_orders})"
                if parent
                else f"select {shifted} from read_parquet('{path}') where substring(trim({stamp}), 1, 10) = '{last}'"
            )
            if entity == "orders":
                corrected = ", ".join(
                    f"'{next_day}' || substring(trim(ordered_at), 11) as ordered_at"
                    if column == "ordered_at"
                    else "case when hash(order_id) % 2 = 0 then 'refunded' else 'cancelled' end as status"
                    if column == "status"
                    else "case when hash(order_id) % 2 = 0 then total_amount else refunded_amount end as refunded_amount"
                    if column == "refunded_amount"
                    else column
                    for column in columns
                )
                new_rows += (
                    f" union all select {corrected} from read_parquet('{path}')"
                    f" where status = 'completed' and hash(order_id) % 500 = 7"
                    f" and substring(trim(ordered_at), 1, 10) < '{last}'"
                )
            connection.execute(f"copy (select * from read_parquet('{path}') union all {new_rows}) to '{staged}' (format parquet)")
            staged.replace(path)
    return next_day


def report(results: dict[str, object], steps: list[str]) -> str:
    """The run's figures side by side, as Markdown: each step run now, the
    refresh's share of the full build, and the peers' times against the
    project's."""

    def step(name: str) -> str:
        figures = results.get(name)
        if not isinstance(figures, dict):
            return f"| {name} | - | - | - |"
        spill = figures.get("peak_spill_gib")
        return f"| {name} | {figures['seconds']} s | {figures['peak_rss_gib']} GiB | {'-' if spill is None else f'{spill} GiB'} |"

    lines = [
        f"{results['scale']}: {results['contacts']:,} contacts / {results['orders']:,} orders / {results['events']:,} events, "
        f"DUCKDB_MEMORY_LIMIT={results['memory_limit']}, DBT_THREADS={results.get('dbt_threads', 2)}, "
        f"{results['cpus']} cores, {results['date']}",
        "",
        "| step | time | peak RSS | peak spill |",
        "|---|---|---|---|",
        *(step(name) for name in ("generate", "build", "refresh", "publish", "export", "predictions") if name in steps),
    ]
    predictions = results.get("predictions")
    if "predictions" in steps and isinstance(predictions, dict):
        lines += [
            "",
            f"predictions: {predictions['customers']:,} customers ({predictions['distinct_bg_nbd_rows']:,} distinct "
            f"histories) fitted in {predictions['fit_seconds']} s and scored in {predictions['score_seconds']} s "
            f"({predictions['fit_and_score_seconds']} s; the step {predictions['seconds']} s with the simulation, "
            f"peak RSS {predictions['peak_rss_gib']} GiB)",
        ]
    models = results.get("model_seconds")
    if "build" in steps and isinstance(models, dict) and "int_clv_model_fits" in models:
        lines += ["", f"in the build: int_clv_model_fits {models['int_clv_model_fits']} s, "
                      f"int_customers_clv_scored {models.get('int_customers_clv_scored', '-')} s"]  # fmt: skip
    build, refresh = results.get("build"), results.get("refresh")
    if "refresh" in steps and isinstance(build, dict) and isinstance(refresh, dict):
        lines += ["", f"refresh / full build = {refresh['seconds'] / build['seconds']:.2f}"]
    peers = results.get("peers")
    if "peers" in steps and isinstance(peers, dict):
        lines += [
            "",
            "peers (each equal to the project's tables row for row; "
            f"inputs read into memory once: {peers['inputs_read_seconds']} s; peak RSS {peers.get('peak_rss_gib', '-')} GiB)",
            "",
            "| stage | rows | project | pandas | Polars | one DuckDB query | project ÷ DuckDB | project ÷ pandas |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for stage in ("rfm", "engagement"):
            figures = peers[stage]
            to_duckdb = figures["project"] / max(figures["duckdb"], 0.01)
            to_pandas = figures["project"] / max(figures["pandas"], 0.01)
            lines.append(
                f"| {stage} | {figures['rows']:,} ({figures['score_dates']} dates) | {figures['project']} s "
                f"| {figures['pandas']} s | {figures['polars']} s | {figures['duckdb']} s "
                f"| {to_duckdb:.1f} | {to_pandas:.1f} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.benchmark", description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), default="small", help="data size (default: small)")
    parser.add_argument(
        "--steps",
        default="generate,build",
        help=f"comma-separated, run in this order: {', '.join(STEPS)} (default: generate,build)",
    )
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=Path(os.environ.get("BENCHMARK_DIR", "/tmp/customer_segments_benchmark")),
        help="where data and the warehouse go (default: $BENCHMARK_DIR or /tmp/customer_segments_benchmark)",
    )
    parser.add_argument("--end-date", default="2026-11-25", help="last day of the generated data and the as-of date")
    parser.add_argument("--events", type=int, help="override the scale's number of events (e.g. to measure order models alone)")
    parser.add_argument("--select", help="dbt selection for the build step (default: everything)")
    parser.add_argument("--name", help="results file name without .json (default: the scale, with -spark on Spark)")
    parser.add_argument(
        "--target", choices=("duckdb", "spark"), default="duckdb",
        help="engine of the build step (default: duckdb); spark: `make load` then the build on Spark local, "
        "in <work dir>/<scale>/spark (generate and build only)",
    )
    args = parser.parse_args(argv)
    scale = dict(SCALES[args.scale])
    if args.events is not None:
        scale["events"] = args.events
    steps = [step.strip() for step in args.steps.split(",") if step.strip()]
    unknown = set(steps) - set(STEPS)
    if unknown:
        parser.error(f"unknown steps {sorted(unknown)}; choose from {', '.join(STEPS)}")
    work = args.work_dir / args.scale
    raw = work / "raw"
    database = work / "warehouse.duckdb"
    spill = work / "spill"
    env = {
        **os.environ,
        "RAW_DATA_DIR": str(raw),
        "DUCKDB_PATH": str(database),
        "DUCKDB_TEMP_DIRECTORY": str(spill),
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    bin_dir = Path(sys.executable).parent
    out = PROJECT_DIR / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    spark_dir = work / "spark"
    if args.target == "spark":
        unsupported = set(steps) - {"generate", "build"}
        if unsupported:
            parser.error(f"steps {sorted(unsupported)} read or refresh the DuckDB warehouse; on Spark run generate and build")
        env.update({"DBT_TARGET": "spark", "SPARK_WAREHOUSE_DIR": str(spark_dir), "DBT_PROJECT_DIR": str(PROJECT_DIR)})
    results_file = out / f"{args.name or (args.scale + ('-spark' if args.target == 'spark' else ''))}.json"
    # a run of one step keeps the other step's figures from an earlier run
    results: dict[str, object] = json.loads(results_file.read_text()) if results_file.exists() else {}
    results.update(
        {
            "scale": args.scale,
            **scale,
            "date": dt.date.today().isoformat(),
            "cpus": os.cpu_count(),
            "memory_limit": env.get("DUCKDB_MEMORY_LIMIT", dbt_threads.DEFAULT_MEMORY_LIMIT),
        }
    )
    if args.select:
        results["select"] = args.select
    def save() -> None:
        """Writes the figures so far: a later step that fails keeps the earlier ones."""
        results_file.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")

    if "generate" in steps:
        results["generate"] = measured(
            [
                sys.executable,
                "-m",
                "orchestration.generator",
                "--out",
                str(raw),
                "--quiet",
                "--end-date",
                args.end_date,
                "--contacts",
                str(scale["contacts"]),
                "--orders",
                str(scale["orders"]),
                "--events",
                str(scale["events"]),
            ],
            env,
        )
        results["raw_bytes"] = sum(path.stat().st_size for path in raw.glob("*.parquet"))
        save()
    # as `make build` does (orchestration/lib/dbt_threads.py): DBT_THREADS, or
    # one thread when the raw files outgrow the memory limit
    threads, note = dbt_threads.choose(env, PROJECT_DIR)
    if note:
        print(note, file=sys.stderr)
    env["DBT_THREADS"] = threads
    results["dbt_threads"] = int(threads)
    if "build" in steps and args.target == "spark":
        shutil.rmtree(spark_dir, ignore_errors=True)
        results["target"] = "spark"
        results["spark_master"] = env.get("SPARK_MASTER", "local[2]")
        results["load"] = measured([sys.executable, "-m", "orchestration.loader", "--target", "spark"], env)
        save()
    if "build" in steps:
        database.unlink(missing_ok=True)
        results["build"] = measured(
            [
                str(bin_dir / "dbt"),
                "build",
                *BUILD_FLAGS,
                "--vars",
                f"{{as_of_date: '{args.end_date}'}}",
                "--target-path",
                str(work / "target"),
                "--log-path",
                str(work / "logs"),
                *(["--select", args.select] if args.select else []),
            ],
            env,
            spill,
        )
        results["warehouse_bytes"] = directory_bytes(spark_dir) if args.target == "spark" else database.stat().st_size
        results["model_seconds"] = model_seconds(work / "target" / "run_results.json")
        shutil.copyfile(work / "target" / "run_results.json", work / "build_run_results.json")
        save()
    if "peers" in steps:
        if not (work / "build_run_results.json").exists():
            parser.error("the peers step compares with a full build: run the build step first")
        from orchestration.lib import peers  # pandas and Polars: only this step needs them

        results["peers"] = peers.compare(database, work / "build_run_results.json")
        # in this process: its peak so far is the peers' (the steps before ran as children)
        results["peers"]["peak_rss_gib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024, 2)
        save()
    if "refresh" in steps:
        if not database.exists():
            parser.error("the refresh step needs a built warehouse: run the build step first")
        next_day = append_next_day(raw, args.end_date)
        results["refresh"] = measured(
            [
                str(bin_dir / "dbt"),
                "build",
                *BUILD_FLAGS,
                "--vars",
                f"{{as_of_date: '{next_day}'}}",
                "--target-path",
                str(work / "target"),
                "--log-path",
                str(work / "logs"),
                *(["--select", args.select] if args.select else []),
            ],
            env,
            spill,
        )
        results["refresh_as_of_date"] = next_day
        results["refresh_model_seconds"] = model_seconds(work / "target" / "run_results.json")
        save()
    published = database.parent / "published" / database.name
    env["PUBLISHED_DUCKDB_PATH"] = str(published)
    if "publish" in steps:
        if not database.exists():
            parser.error("the publish step needs a built warehouse: run the build step first")
        results["publish"] = measured(
            [sys.executable, "-m", "orchestration.publish", "--run-results", str(work / "target" / "run_results.json")], env
        )
        results["published_bytes"] = published.stat().st_size
    if "export" in steps:
        if not published.exists():
            parser.error("the export step reads the published marts: run the publish step first")
        exports = work / "exports"
        results["export"] = measured([sys.executable, "-m", "orchestration.segment_export", "--out", str(exports)], env)
        manifest = json.loads((exports / "manifest.json").read_text(encoding="utf-8"))
        results["export_rows"] = sum(entry["rows"] for entry in manifest["segments"])
        results["export_bytes"] = sum(path.stat().st_size for path in exports.glob("*.*"))
    if "predictions" in steps:
        # the fits and scoring alone, on as many customers as the scale has contacts, simulated from the models'
        # own processes (orchestration/lib/clv.py); the build step times them on the generated data too
        figures_file = work / "predictions.json"
        work.mkdir(parents=True, exist_ok=True)
        results["predictions"] = measured(
            [sys.executable, "-m", "orchestration.lib.clv", "benchmark", "--customers", str(scale["contacts"]),
             "--out", str(figures_file)], env,
        )  # fmt: skip
        results["predictions"].update(json.loads(figures_file.read_text(encoding="utf-8")))
    results_file.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(report(results, steps))
    print(f"(all figures: {results_file.relative_to(PROJECT_DIR)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
