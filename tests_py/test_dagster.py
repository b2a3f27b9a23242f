"""The Dagster code location end to end on generated data: definitions load,
the whole asset graph materialises in process, a backfill of two partitions
equals single-date builds, the Great Expectations checks catch a corrupted
mart, a locked warehouse fails clearly and retries, and the webserver answers
GraphQL on loopback."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from conftest import BIN_DIR, PROJECT_DIR, Workspace

pytestmark = pytest.mark.build

# Two partitions: a backfill in order on one warehouse, each equal to a
# single-date build. The RFM history shows that a partition is its as-of date;
# the eRFM history fills the same way (test_rfm.py backfills both with dbt).
PARTITIONS = ["2026-05-31", "2026-06-30"]
HISTORY = {"rfm_scores_history": "contact_id"}
# orchestration.code_location.assets.publish.PUBLISHED_KEY (importing it loads the code location too early)
PUBLISHED_KEY = dg.AssetKey(["published_warehouse"])


@dataclass
class Backfill:
    workspace: Workspace
    results: dict[str, dg.ExecuteInProcessResult]
    defs: dg.Definitions


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """Generated raw data and an empty warehouse; the process environment
    points Dagster and dbt at them for the module, then is restored."""
    root = tmp_path_factory.mktemp("dagster")
    workspace = Workspace(root)
    workspace.generate("--contacts", "1000", "--orders", "6000", "--events", "24000", "--end-date", "2026-06-30")
    saved = dict(os.environ)
    os.environ.update({
        "RAW_DATA_DIR": str(workspace.raw),
        "DUCKDB_PATH": str(workspace.database),
        "DAGSTER_HOME": str(root / "dagster_home"),
        "DBT_THREADS": "2",
        "CUSTOMER_SEGMENTS_EXPORT_DIR": str(root / "exports"),
    })
    (root / "dagster_home").mkdir()
    # The project's instance configuration (telemetry, the one-writer pool), so the webserver test loads it.
    shutil.copy(PROJECT_DIR / "dagster_home" / "dagster.yaml", root / "dagster_home" / "dagster.yaml")
    try:
        yield workspace
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(scope="module")
def backfill(environment: Workspace) -> Backfill:
    """What a backfill of days does: one run of the refresh job per
    partition (BackfillPolicy.multi_run(1)), in order, on one warehouse. The
    earlier day materialises the history tables and what they read, without
    checks (a selection a user can launch); the last day the whole graph
    with its checks."""
    from orchestration.code_location.definitions import defs

    history = dg.AssetSelection.assets(*(dg.AssetKey([table]) for table in HISTORY)).upstream()
    earlier = dg.Definitions.merge(defs, dg.Definitions(jobs=[dg.define_asset_job(
        "history_days", selection=history.required_multi_asset_neighbors().without_checks(),
        partitions_def=defs.resolve_job_def("refresh_segments").partitions_def,
    )]))
    # An in-memory instance: the runs share nothing but the warehouse, and a SQLite event log costs a third of
    # the run's time here (some 800 dbt events and asset checks).
    instance = dg.DagsterInstance.ephemeral()
    results = {}
    for partition in PARTITIONS:
        last = partition == PARTITIONS[-1]
        job = defs.resolve_job_def("refresh_segments") if last else earlier.resolve_job_def("history_days")
        results[partition] = job.execute_in_process(partition_key=partition, instance=instance, raise_on_error=False)
    return Backfill(environment, results, defs)


def test_whole_asset_graph_materialises_with_checks_and_readable_metadata(backfill: Backfill) -> None:
    result = backfill.results[PARTITIONS[-1]]
    assert result.success, [event.message for event in result.all_events if event.is_failure][:3]
    graph = backfill.defs.resolve_asset_graph()
    expected = {key for key in graph.get_all_asset_keys() if graph.get(key).is_materializable}
    materialised = {event.asset_key for event in result.get_asset_materialization_events()}
    assert expected - materialised == set()
    assert dg.AssetKey(["raw", "events"]) in materialised and dg.AssetKey(["rfm_scores"]) in materialised

    evaluations = result.get_asset_check_evaluations()
    failed = [(e.asset_key.to_user_string(), e.check_name) for e in evaluations if not e.passed]
    assert failed == []
    gx_checked = {e.asset_key.path[-1] for e in evaluations if e.check_name == "great_expectations"}
    marts = set(backfill.workspace.query(
        "select table_name from information_schema.tables where table_schema = 'marts'"
    ).table_name)
    assert marts <= gx_checked, f"marts without a Great Expectations check: {sorted(marts - gx_checked)}"
    assert len([e for e in evaluations if e.check_name != "great_expectations"]) > 300, "dbt tests are asset checks"

    metadata = {
        event.asset_key.to_user_string(): event.materialization.metadata
        for event in result.get_asset_materialization_events()
    }
    rejected = backfill.workspace.query(
        "select entity, rejection_reason, count(*) as n from marts.rejected_rows group by all"
    )
    table = metadata["rejected_rows"]["summary"].value
    for row in rejected.itertuples():
        assert f"| {row.entity} | {row.rejection_reason} | {row.n:,} |" in table
    assert metadata["rfm_scores"]["dagster/row_count"].value == len(backfill.workspace.query("select * from marts.rfm_scores"))
    assert "| Champions |" in metadata["rfm_persona_summary"]["summary"].value
    assert "opportunities" in metadata["opportunity_summary"]["summary"].value
    raw_rows = backfill.workspace.query("select raw_rows from marts.raw_row_counts where entity = 'contacts'").raw_rows.item()
    assert metadata["raw/contacts"]["dagster/row_count"].value == raw_rows
    # the customers export of the partition: one file pair per active segment and its manifest
    exported = json.loads((backfill.workspace.root / "exports" / PARTITIONS[-1] / "manifest.json").read_text())
    active = backfill.workspace.query("select segment_key from marts.segments where status = 'active' order by 1").segment_key
    assert [entry["segment_key"] for entry in exported["segments"]] == list(active)
    assert exported["as_of_date"] == PARTITIONS[-1]
    assert metadata["segment_exports"]["dagster/row_count"].value == sum(e["rows"] for e in exported["segments"])
    # published after the checks passed: every mart as built, for readers
    published = backfill.workspace.root / "published" / backfill.workspace.database.name
    with duckdb.connect(str(published), read_only=True) as reader:
        relations = dict(reader.execute("select relation_name, row_count from publication.published_relations").fetchall())
    assert {name.split(".", 1)[1] for name in relations if name.startswith("marts.")} == marts
    assert relations["marts.rfm_scores"] == metadata["rfm_scores"]["dagster/row_count"].value
    assert metadata["published_warehouse"]["tables"].value == len(relations)


def test_backfill_of_partitions_equals_single_date_builds(
    backfill: Backfill, make_workspace: pytest.FixtureRequest
) -> None:
    for partition, result in backfill.results.items():
        assert result.success, (partition, [event.message for event in result.all_events if event.is_failure][:3])
    for table in HISTORY:
        held = backfill.workspace.query(f"select distinct cast(as_of_date as varchar) as d from marts.{table} order by d").d
        assert list(held) == PARTITIONS
    for partition in PARTITIONS:
        single = make_workspace(f"single_{partition}")
        shutil.copytree(backfill.workspace.raw, single.raw, dirs_exist_ok=True)
        for command in ("seed", "run"):
            step = single.dbt(command, vars={"as_of_date": partition}, select=" ".join(f"+{table}" for table in HISTORY))
            assert step.ok, step.output[-4000:]
        for table, key in HISTORY.items():
            query = f"select * from marts.{table} where as_of_date = date '{partition}' order by {key}"
            from_backfill = backfill.workspace.query(query)
            alone = single.query(query)
            assert len(alone) > 0
            pd.testing.assert_frame_equal(from_backfill, alone, check_dtype=False)


def _gx_only(defs: dg.Definitions, database: Path, marts: list[str]) -> dg.ExecuteInProcessResult:
    from orchestration.code_location.checks import CHECK_NAME, great_expectations_suites

    keys = [dg.AssetCheckKey(dg.AssetKey([mart]), CHECK_NAME) for mart in marts]
    job_defs = dg.Definitions(
        assets=list(defs.assets or []),
        asset_checks=[great_expectations_suites],
        # The checks and the publish step they gate (blocking checks: a failure skips it).
        jobs=[dg.define_asset_job(
            "gx_only", selection=dg.AssetSelection.checks(*keys) | dg.AssetSelection.assets(PUBLISHED_KEY)
        )],
        resources=dict(defs.resources or {}),
    )
    os.environ["DUCKDB_PATH"] = str(database)
    with dg.instance_for_test() as instance:
        return job_defs.resolve_job_def("gx_only").execute_in_process(
            instance=instance, raise_on_error=False, tags={"dagster/partition": PARTITIONS[-1]}
        )


def test_great_expectations_check_fails_on_a_corrupted_mart_and_passes_on_a_clean_one(
    backfill: Backfill, tmp_path: Path
) -> None:
    original = os.environ["DUCKDB_PATH"]
    clean = tmp_path / "clean" / "warehouse.duckdb"
    corrupted = tmp_path / "corrupted" / "warehouse.duckdb"
    for copy in (clean, corrupted):
        copy.parent.mkdir()
        shutil.copy(backfill.workspace.database, copy)
    with duckdb.connect(str(corrupted)) as connection:
        contact = connection.execute("select min(contact_id) from marts.rfm_scores").fetchone()[0]
        connection.execute("update marts.rfm_scores set recency_score = 42 where contact_id = ?", [contact])
        connection.execute("update marts.opportunity_tiles set contacts = -7 where opportunity_group = "
                           "(select min(opportunity_group) from marts.opportunity_tiles)")
    try:
        passing = _gx_only(backfill.defs, clean, ["rfm_scores", "opportunity_tiles"])
        assert passing.success
        assert {e.asset_key.path[-1]: e.passed for e in passing.get_asset_check_evaluations()} == {
            "rfm_scores": True, "opportunity_tiles": True}
        assert PUBLISHED_KEY in {event.asset_key for event in passing.get_asset_materialization_events()}
        assert (clean.parent / "published" / clean.name).is_file()

        failing = _gx_only(backfill.defs, corrupted, ["rfm_scores", "opportunity_tiles"])
        evaluations = {e.asset_key.path[-1]: e for e in failing.get_asset_check_evaluations()}
        assert not evaluations["rfm_scores"].passed and not evaluations["opportunity_tiles"].passed
        report = evaluations["rfm_scores"].metadata["results"].value
        assert "expect_column_values_to_be_between" in report and "recency_score" in report and "[42]" in report
        tiles = evaluations["opportunity_tiles"].metadata["results"].value
        assert "expect_column_values_to_be_between" in tiles and "contacts" in tiles and "[-7]" in tiles
        # a failed blocking check publishes nothing
        assert PUBLISHED_KEY not in {event.asset_key for event in failing.get_asset_materialization_events()}
        assert not (corrupted.parent / "published").exists()
    finally:
        os.environ["DUCKDB_PATH"] = original

    validate = subprocess.run(
        [sys.executable, "-m", "orchestration.validate", "--duckdb-path", str(corrupted), "--mart", "rfm_scores"],
        cwd=PROJECT_DIR, capture_output=True, text=True, check=False,
    )
    assert validate.returncode == 1, validate.stdout + validate.stderr
    assert "rfm_scores" in validate.stdout and "FAILED" in validate.stdout and "[42]" in validate.stdout
    site = corrupted.parent / "gx" / "uncommitted" / "data_docs" / "local_site"
    assert (site / "index.html").is_file()
    # Data Docs: one suite per mart, the run named for its date, nothing loaded from the internet
    # (the Dagster checks above validated two marts in this directory, then `make validate` one)
    assert sorted(page.name for page in (site / "expectations" / "marts").iterdir()) == [
        "opportunity_tiles.html", "rfm_scores.html"]
    runs = sorted(run.name for run in (site / "validations" / "marts" / "rfm_scores").iterdir())
    assert len(runs) == 2 and runs[0].startswith(f"as of {PARTITIONS[-1]}, Dagster run "), runs
    assert re.fullmatch(rf"as of {PARTITIONS[-1]}, validated \d{{4}}-\d\d-\d\d \d\d:\d\d UTC", runs[1]), runs
    for page in site.rglob("*.html"):
        loads = re.findall(r"<(?:script|link|img)\b[^>]*(?:src|href)=[\"'](https?://[^\"']+)", page.read_text())
        assert loads == [], (page, loads[:3])
    assert (site / "static" / "vendor" / "bootstrap" / "dist" / "css" / "bootstrap.min.css").is_file()


def test_a_locked_warehouse_fails_with_a_clear_message_and_retries(environment: Workspace, tmp_path: Path) -> None:
    from orchestration.code_location.assets.raw import raw_load
    from orchestration.code_location.resources import WarehouseResource

    database = tmp_path / "locked.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); "
         "time.sleep(120)", str(database)],
        stdout=subprocess.PIPE, text=True,
    )
    original = os.environ["DUCKDB_PATH"]
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        os.environ["DUCKDB_PATH"] = str(database)
        with dg.instance_for_test() as instance:
            result = dg.materialize(
                [raw_load], partition_key=PARTITIONS[-1], raise_on_error=False, instance=instance,
                resources={"warehouse": WarehouseResource(lock_retries=2, lock_retry_seconds=0.1)},
            )
            logged = [entry.user_message for entry in instance.all_logs(result.run_id)]
    finally:
        os.environ["DUCKDB_PATH"] = original
        holder.kill()
        holder.wait()
    assert not result.success
    retries = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_UP_FOR_RETRY]
    assert len(retries) == 2
    expected = f"The warehouse {database} is held open by process {holder.pid}"
    for attempt in (1, 2, 3):
        assert any(expected in message and f"(attempt {attempt} of 3)" in message for message in logged), attempt
    failure = result.failure_data_for_node("raw_load")
    assert failure is not None and expected in failure.error.to_string()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_webserver_starts_on_loopback_and_lists_the_assets(environment: Workspace) -> None:
    port = _free_port()
    server = subprocess.Popen(
        [str(BIN_DIR / "dagster-webserver"), "-h", "127.0.0.1", "-p", str(port), "-m", "orchestration.code_location.definitions"],
        cwd=PROJECT_DIR, env=os.environ.copy(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    # What `dagster definitions validate` checks, through the webserver: the code location loads without error.
    query = json.dumps({"query": "{ assetNodes { assetKey { path } groupName } workspaceOrError { ... on Workspace {"
                                 " locationEntries { name locationOrLoadError { __typename } } } } }"}).encode()
    try:
        deadline = time.monotonic() + 120
        payload = None
        while time.monotonic() < deadline and payload is None:
            assert server.poll() is None, server.stderr.read() if server.stderr else "webserver exited"
            try:
                request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=query,
                                                 headers={"Content-Type": "application/json"})
                with urllib.request.urlopen(request, timeout=10) as response:
                    payload = json.load(response)
            except OSError:
                time.sleep(1)
        assert payload is not None, "the webserver did not answer within 120 s"
        entries = payload["data"]["workspaceOrError"]["locationEntries"]
        assert [entry["locationOrLoadError"]["__typename"] for entry in entries] == ["RepositoryLocation"], entries
        nodes = payload["data"]["assetNodes"]
        keys = {"/".join(node["assetKey"]["path"]) for node in nodes}
        assert {"raw/contacts", "stg_crm__contacts", "rfm_scores", "opportunity_tiles", "currency_rates"} <= keys
        groups = {node["groupName"] for node in nodes}
        assert {"raw", "staging_crm", "marts_rfm", "marts_engagement", "seeds"} <= groups
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
