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
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
SCALES = {
    "small": {"contacts": 10_000, "orders": 100_000, "events": 1_000_000},
    "medium": {"contacts": 100_000, "orders": 1_000_000, "events": 10_000_000},
    "large": {"contacts": 1_000_000, "orders": 10_000_000, "events": 100_000_000},
}


def measured(command: list[str], env: dict[str, str]) -> dict[str, float]:
    """Runs the command in a child that reports its own children's peak RSS, so
    each step's memory is its own."""
    probe = (
        "import resource, subprocess, sys, time; started = time.monotonic(); "
        "code = subprocess.call(sys.argv[1:]); "
        "print('BENCH', code, round(time.monotonic() - started, 1), "
        "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)"
    )
    process = subprocess.run(
        [sys.executable, "-c", probe, *command], env=env, cwd=PROJECT_DIR, stderr=subprocess.PIPE, text=True, check=False
    )
    lines = process.stderr.splitlines()
    sys.stderr.write("\n".join(line for line in lines if not line.startswith("BENCH")) + "\n")
    _, code, seconds, max_rss_kb = next(line for line in lines if line.startswith("BENCH")).split()
    if int(code) != 0:
        raise SystemExit(f"benchmark: step failed with exit code {code}: {' '.join(command)}")
    return {"seconds": float(seconds), "peak_rss_gib": round(int(max_rss_kb) / 1024 / 1024, 2)}


def model_seconds(run_results: Path) -> dict[str, float]:
    """Each model's execution time in the build, slowest first."""
    results = json.loads(run_results.read_text(encoding="utf-8"))["results"]
    times = {
        result["unique_id"].split(".")[-1]: round(result["execution_time"], 1)
        for result in results
        if result["unique_id"].startswith("model.")
    }
    return dict(sorted(times.items(), key=lambda item: -item[1]))


def append_next_day(raw: Path, last: str) -> str:
    """Appends a copy of the events of raw event day `last` (the data's last
    day), one day later and with new ids, to the events file, as a day of new
    events would arrive; returns the new day."""
    import duckdb  # the benchmark's only use of it; keeps --help fast

    events = raw / "events.parquet"
    staged = raw / "events.next_day.tmp"
    with duckdb.connect() as connection:
        connection.execute("set enable_progress_bar = false")
        next_day = (dt.date.fromisoformat(last) + dt.timedelta(days=1)).isoformat()
        columns = [row[0] for row in connection.execute(f"describe select * from read_parquet('{events}')").fetchall()]
        shifted = ", ".join(
            f"'{next_day}-' || event_id as event_id"
            if column == "event_id"
            else f"'{next_day}' || substring(trim(occurred_at), 11) as occurred_at"
            if column == "occurred_at"
            else column
            for column in columns
        )
        connection.execute(
            f"copy (select * from read_parquet('{events}') union all "
            f"select {shifted} from read_parquet('{events}') where substring(trim(occurred_at), 1, 10) = '{last}') "
            f"to '{staged}' (format parquet)"
        )
    staged.replace(events)
    return next_day


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.benchmark", description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), default="small", help="data size (default: small)")
    parser.add_argument(
        "--steps",
        default="generate,build",
        help="comma-separated: generate, build, refresh, publish, export (default: generate,build)",
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
    parser.add_argument("--name", help="results file name without .json (default: the scale)")
    args = parser.parse_args(argv)
    scale = dict(SCALES[args.scale])
    if args.events is not None:
        scale["events"] = args.events
    steps = [step.strip() for step in args.steps.split(",") if step.strip()]
    unknown = set(steps) - {"generate", "build", "refresh", "publish", "export"}
    if unknown:
        parser.error(f"unknown steps {sorted(unknown)}; choose from generate, build, refresh, publish, export")
    work = args.work_dir / args.scale
    raw = work / "raw"
    database = work / "warehouse.duckdb"
    env = {
        **os.environ,
        "RAW_DATA_DIR": str(raw),
        "DUCKDB_PATH": str(database),
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    bin_dir = Path(sys.executable).parent
    out = PROJECT_DIR / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    results_file = out / f"{args.name or args.scale}.json"
    # a run of one step keeps the other step's figures from an earlier run
    results: dict[str, object] = json.loads(results_file.read_text()) if results_file.exists() else {}
    results.update({"scale": args.scale, **scale, "date": dt.date.today().isoformat(), "cpus": os.cpu_count()})
    if args.select:
        results["select"] = args.select
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
    if "build" in steps:
        database.unlink(missing_ok=True)
        results["build"] = measured(
            [
                str(bin_dir / "dbt"),
                "build",
                "--vars",
                f"{{as_of_date: '{args.end_date}'}}",
                "--target-path",
                str(work / "target"),
                "--log-path",
                str(work / "logs"),
                *(["--select", args.select] if args.select else []),
            ],
            env,
        )
        results["warehouse_bytes"] = database.stat().st_size
        results["model_seconds"] = model_seconds(work / "target" / "run_results.json")
    if "refresh" in steps:
        if not database.exists():
            parser.error("the refresh step needs a built warehouse: run the build step first")
        next_day = append_next_day(raw, args.end_date)
        results["refresh"] = measured(
            [
                str(bin_dir / "dbt"),
                "build",
                "--vars",
                f"{{as_of_date: '{next_day}'}}",
                "--target-path",
                str(work / "target"),
                "--log-path",
                str(work / "logs"),
                *(["--select", args.select] if args.select else []),
            ],
            env,
        )
        results["refresh_as_of_date"] = next_day
        results["refresh_model_seconds"] = model_seconds(work / "target" / "run_results.json")
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
        results["export"] = measured(
            [sys.executable, "-m", "orchestration.segment_export", "--out", str(exports)], env
        )
        manifest = json.loads((exports / "manifest.json").read_text(encoding="utf-8"))
        results["export_rows"] = sum(entry["rows"] for entry in manifest["segments"])
        results["export_bytes"] = sum(path.stat().st_size for path in exports.glob("*.*"))
    results_file.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))
    generate = results.get("generate", {})
    build = results.get("build", {})
    print(
        f"| {args.scale} | {scale['contacts']:,} / {scale['orders']:,} / {scale['events']:,} "
        f"| {generate.get('seconds', '-')} s, {generate.get('peak_rss_gib', '-')} GiB "
        f"| {build.get('seconds', '-')} s, {build.get('peak_rss_gib', '-')} GiB "
        f"| {results.get('refresh', {}).get('seconds', '-')} s |"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
