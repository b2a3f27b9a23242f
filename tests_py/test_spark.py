"""The Spark target against DuckDB, on the shared sample (CSV files with
planted bad rows): the same marts and segments row for row, the same
rejected rows and reasons, the same export files, Great Expectations suites
that pass, and (`make test-engines-full`) static lists that upload and
freeze there.

Spark runs in local mode in a warehouse directory of the module's own (its
Parquet tables and Derby catalog), from a JVM whose default time zone is far
from UTC: the answers must not depend on it. The Spark build runs seeds and
models only: the comparison with DuckDB's build, which runs every data test,
is the test (`make test-engines-full` runs the data tests on Spark too).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import PROJECT_DIR, SAMPLE_AS_OF, MadeRun, Workspace, assert_same_exports, environment, make_run_on
from orchestration.lib import parity, spark
from orchestration.lib.publish import publish
from orchestration.lib.quality.runner import run_suites
from orchestration.lib.quality.suites import SuiteSettings
from orchestration.loader import load_spark

pytestmark = pytest.mark.build

pytest.importorskip("pyspark")


def dbt(arguments: list[str], settings: dict[str, str], root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), *arguments,
         "--target-path", str(root / "target"), "--log-path", str(root / "logs")],
        cwd=PROJECT_DIR, env={**os.environ, **settings}, capture_output=True, text=True, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def spark_build(sample_warehouse: Workspace, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """The shared sample's raw files loaded and built (seeds and models) on
    Spark as of the sample's date, then copied to DuckDB by Spark."""
    root = tmp_path_factory.mktemp("spark_build")
    settings = {
        "DBT_TARGET": "spark",
        "SPARK_WAREHOUSE_DIR": str(root / "spark"),
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "DBT_PROJECT_DIR": str(PROJECT_DIR),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "RAW_DATA_DIR": str(sample_warehouse.raw),
        # the JVM's and the process's time zone far from UTC: the profile's session time zone decides
        "TZ": "Pacific/Kiritimati",
        "JAVA_TOOL_OPTIONS": "-Duser.timezone=Pacific/Kiritimati",
    }
    rows = load_spark(sample_warehouse.raw, target=root / "spark" / "raw_files")
    assert rows["events"] > 100_000 and rows["raw_file_malformed_lines"] >= 0, rows
    data_tests = [] if os.environ.get("CUSTOMER_SEGMENTS_ENGINE_TESTS") == "full" else ["--exclude-resource-type", "test"]
    built = dbt(
        ["build", *data_tests, "--exclude-resource-type", "unit_test", "--vars", json.dumps({"as_of_date": SAMPLE_AS_OF})],
        settings, root,
    )
    assert built.returncode == 0, built.stdout[-6000:]
    mirrored = root / "mirror" / "customer_segments.duckdb"
    mirrored.parent.mkdir()
    with environment(settings):
        copied = spark.mirror(("marts", "segments", "seeds"), mirrored, manifest=root / "target" / "manifest.json")
    yield {"root": root, "settings": settings, "mirror": mirrored, "views": copied["views"]}


def test_every_mart_equals_duckdbs(sample_warehouse: Workspace, spark_build: dict) -> None:
    keys = parity.table_keys(sample_warehouse.root / "target" / "manifest.json")
    duckdb_reader = parity.ENGINES["duckdb"](sample_warehouse.database)
    spark_reader = parity.ENGINES["spark"](spark_build["mirror"], tuple(spark_build["views"]))
    tables, differences = parity.compare(duckdb_reader, spark_reader, keys)
    assert len(tables) >= 40, tables
    assert not differences, "\n".join(str(difference) for difference in differences[:20])
    # The planted bad rows were compared too: rejected on both engines, with the same reasons.
    _, rejected = duckdb_reader.rows("marts.rejected_rows")
    assert len(rejected) > 50
    assert "marts.fct_engagement_events" in spark_build["views"]


def test_history_tables_are_partitioned_by_as_of_date(spark_build: dict) -> None:
    """The as-of history tables overwrite their date's partition on Spark (no DELETE on Parquet tables)."""
    root = spark_build["root"] / "spark" / "marts.db" / "rfm_scores_history"
    assert [path.name for path in root.iterdir() if path.is_dir()] == [f"as_of_date={SAMPLE_AS_OF}"]


def test_export_and_great_expectations_on_sparks_marts(published_sample: Path, spark_build: dict, tmp_path: Path) -> None:
    """`make publish` on Spark copies the marts and seeds into the published file; the export from it
    is the same as from DuckDB's build (the manifest's export time aside), and every suite passes."""
    published = tmp_path / "published" / published_sample.name
    publish(spark_build["mirror"], published)
    assert_same_exports(published_sample, published, tmp_path / "exports")
    results = run_suites(published, settings=SuiteSettings(as_of_date=SAMPLE_AS_OF), project_dir=tmp_path / "gx")
    failed = [(result.mart, result.error, [str(outcome.expectation) for outcome in result.failures]) for result in results
              if not result.success]  # fmt: skip
    assert len(results) >= 30 and not failed, failed


@pytest.mark.skipif(
    os.environ.get("CUSTOMER_SEGMENTS_ENGINE_TESTS") != "full",
    reason="four Spark sessions, one per command (two minutes): make test-engines-full",
)
def test_static_lists_upload_and_freeze_on_spark(spark_build: dict, tmp_path: Path) -> None:
    uploaded = tmp_path / "ids.csv"
    columns, members = parity.DuckDBReader(spark_build["mirror"]).rows("marts.segment_members")
    known = sorted({row[columns.index("contact_id")] for row in members})[:2]
    cart_abandoners = sum(1 for row in members if row[columns.index("segment_key")] == "cart_abandoners")
    uploaded.write_text("contact_id\n" + "\n".join([*known, "NOT_A_CONTACT", known[0]]) + "\n")
    command = [sys.executable, "-m", "orchestration.static_lists"]
    # the operations' own dbt target: the second reuses the first's parse (nothing else writes there)
    environment_ = {**os.environ, **spark_build["settings"], "DBT_TARGET_PATH": str(tmp_path / "target")}
    for arguments in (
        ["upload", "--list", "spark_upload", "--csv", str(uploaded)],
        ["freeze", "--segment", "cart_abandoners", "--list", "spark_frozen"],
    ):
        done = subprocess.run(
            [*command, *arguments], cwd=PROJECT_DIR, env=environment_, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    with environment(spark_build["settings"]):  # one query: each starts a JVM
        lists = spark.query(
            "select list_key, source_type, members, rejected_ids, (select count(*) from static_lists.static_list_members"
            " as m where m.list_key = l.list_key) from static_lists.static_lists as l order by list_key"
        )
    assert lists[1] == ["spark_upload", "csv", 2, 2, 2], lists
    assert lists[0] == ["spark_frozen", "segment", cart_abandoners, 0, cart_abandoners], lists


def test_the_cluster_output_carries_the_session_settings_and_none_of_the_local_ones() -> None:
    """profiles.yml's spark_cluster (thrift/http) shares the build's session settings with the local
    output through a YAML anchor; the local session's (master, heap, Derby catalog) would be refused
    by a cluster's Thrift Server as static settings."""
    import yaml

    outputs = yaml.safe_load((PROJECT_DIR / "profiles.yml").read_text())["customer_segments"]["outputs"]
    local, cluster = outputs["spark"]["server_side_parameters"], outputs["spark_cluster"]["server_side_parameters"]
    assert cluster["spark.sql.session.timeZone"] == local["spark.sql.session.timeZone"] == "UTC"
    assert set(cluster) < set(local)
    assert not {key for key in cluster if key.startswith(("spark.master", "spark.driver", "spark.hadoop", "spark.ui"))}
    assert "spark.sql.warehouse.dir" not in cluster and outputs["spark_cluster"]["method"].startswith("{{")
    local_settings = spark.session_settings()
    assert {key: value for key, value in local_settings.items() if key in cluster and "{{" not in str(cluster[key])} == {
        key: value for key, value in cluster.items() if "{{" not in str(value)
    }


@pytest.mark.skipif(
    os.environ.get("CUSTOMER_SEGMENTS_ENGINE_TESTS") != "full",
    reason="every data test runs as an asset check on Spark (minutes): make test-engines-full",
)
def test_dagster_refreshes_a_partition_on_spark(make_workspace, tmp_path: Path) -> None:
    """The Dagster job with DBT_TARGET=spark: the raw load writes the Parquet files for Spark, dbt
    builds on the local session with every data test as an asset check, and the Great Expectations
    checks and the publish read Spark's copy of the marts."""
    workspace = make_workspace("dagster_spark")
    workspace.generate("--contacts", "600", "--orders", "3000", "--events", "12000", "--end-date", "2026-06-30")
    (workspace.root / "dagster_home").mkdir()
    settings = {
        "DBT_TARGET": "spark",
        "SPARK_WAREHOUSE_DIR": str(workspace.root / "spark"),
        "RAW_DATA_DIR": str(workspace.raw),
        "DUCKDB_PATH": str(workspace.database),
        "DAGSTER_HOME": str(workspace.root / "dagster_home"),
        "CUSTOMER_SEGMENTS_EXPORT_DIR": str(workspace.root / "exports"),
    }
    with environment(settings):
        import dagster as dg

        from orchestration.code_location.definitions import defs

        job = defs.resolve_job_def("refresh_segments")
        result = job.execute_in_process(partition_key="2026-06-30", instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
    assert result.success, [event.message for event in result.all_events if event.is_failure][:3]
    evaluations = result.get_asset_check_evaluations()
    assert [e.asset_key.to_user_string() for e in evaluations if not e.passed] == []
    assert len([e for e in evaluations if e.check_name == "great_expectations"]) >= 20
    assert not workspace.database.exists(), "nothing is built into a DuckDB file on the spark target"
    _, rows = parity.DuckDBReader(workspace.root / "published" / workspace.database.name).rows("publication.published_relations")
    assert len(rows) > 40


@pytest.mark.skipif(
    os.environ.get("CUSTOMER_SEGMENTS_ENGINE_TESTS") != "full",
    reason="`make run` with every data test on Spark (minutes): make test-engines-full",
)
def test_make_run_on_spark_equals_duckdb_on_hostile_csv_files(hostile_csv_run: MadeRun, tmp_path: Path) -> None:
    """`DBT_TARGET=spark make run` as a user types it, on CSV files with hostile lines (malformed lines,
    huge and over-precise amounts, a +15:00 offset, an empty optional file, a BOM): it passes, prints the
    summary, leaves the files as they were, and every published mart equals `make run` on DuckDB (conftest's
    hostile_csv_run)."""
    from test_front_door import AS_OF, fingerprint

    on_duckdb = hostile_csv_run
    work = tmp_path / "spark"
    on_spark = make_run_on("spark", on_duckdb.raw, work, AS_OF, SPARK_WAREHOUSE_DIR=str(work / "spark"))
    for result in (on_duckdb, on_spark):
        assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    assert "Parquet files for Spark" in on_spark.stdout and "Warehouse Spark" in on_spark.stdout
    assert "Rows rejected per reason" in on_spark.stdout
    assert fingerprint(on_duckdb.raw) == on_duckdb.before
    keys = parity.table_keys(on_duckdb.work / "target" / "manifest.json")
    published = [
        parity.DuckDBReader(directory / "published" / "warehouse.duckdb", name=name)
        for name, directory in (("duckdb", on_duckdb.work), ("spark", work))
    ]
    tables, differences = parity.compare(*published, keys, schemas=("marts",))
    assert len(tables) >= 35
    assert not differences, "\n".join(str(difference) for difference in differences[:20])
    _, rejected = published[0].rows("marts.rejected_rows")
    assert {"malformed_line", "out_of_range", "excess_precision"} <= {row[2] for row in rejected}
