"""The PostgreSQL target against DuckDB, on the shared sample (CSV files with
planted bad rows): the same marts row for row, the same rejected rows and
reasons, the same export files, and a BI role that reads the marts and
nothing else.

The server is the project's own (`make postgres-up`, which `make test`
runs first); each run builds into a database of its own on it, dropped at
the end. The PostgreSQL build runs seeds and models only: the comparison with
DuckDB's build, which runs every data test, is the test
(`make test-engines-full` runs the data tests on every engine).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import PROJECT_DIR, SAMPLE_AS_OF, MadeRun, Workspace, assert_same_exports, make_run_on
from orchestration.lib import parity, postgres
from orchestration.lib.publish import PUBLISHED_SCHEMAS, publish
from orchestration.loader import load_postgres
from orchestration.postgres_server import restrict_database

pytestmark = pytest.mark.build

psycopg2 = pytest.importorskip("psycopg2")


def admin_connection(database: str = "postgres"):
    login = postgres.builder_login()
    connection = postgres.Login(login.host, login.port, database, login.user, login.password).connect()
    connection.autocommit = True
    return connection


@pytest.fixture(scope="module")
def postgres_build(sample_warehouse: Workspace, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The shared sample's raw files loaded and built (seeds and models) as of
    the sample's date into a new database; its name and the dbt target path."""
    database = f"customer_segments_test_{uuid.uuid4().hex[:10]}"
    try:
        connection = admin_connection()
    except psycopg2.OperationalError as error:
        pytest.fail(f"no PostgreSQL server at {postgres.builder_login().describe()}: run `make postgres-up` ({error})")
    with connection.cursor() as cursor:
        cursor.execute(f"create database {postgres.quote_identifier(database)}")
        restrict_database(cursor, database, postgres.setting("BI_ROLE"))
    connection.close()
    root = tmp_path_factory.mktemp("postgres_build")
    login = postgres.builder_login()
    target_login = postgres.Login(login.host, login.port, database, login.user, login.password)
    try:
        rows = load_postgres(target_login, sample_warehouse.raw)
        assert rows["events"] > 100_000 and rows["raw_file_malformed_lines"] >= 0
        environment = {
            **os.environ,
            "DBT_TARGET": "postgres",
            "PGDATABASE": database,
            "DBT_PROFILES_DIR": str(PROJECT_DIR),
            "DBT_PROJECT_DIR": str(PROJECT_DIR),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DBT_THREADS": "2",
            # a session time zone far from UTC: the answers must not depend on it
            "PGOPTIONS": "-c timezone=Pacific/Kiritimati",
        }
        # make test-engines-full: every data test on this engine too
        data_tests = [] if os.environ.get("CUSTOMER_SEGMENTS_ENGINE_TESTS") == "full" else ["--exclude-resource-type", "test"]
        built = subprocess.run(
            [str(Path(sys.executable).parent / "dbt"), "build", *data_tests,
             "--exclude-resource-type", "unit_test", "--vars", json.dumps({"as_of_date": SAMPLE_AS_OF}),
             "--target-path", str(root / "target"), "--log-path", str(root / "logs")],
            cwd=PROJECT_DIR, env=environment, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert built.returncode == 0, built.stdout[-6000:]
        yield database, root
    finally:
        connection = admin_connection()
        with connection.cursor() as cursor:
            cursor.execute(f"drop database if exists {postgres.quote_identifier(database)} with (force)")
        connection.close()


def test_every_mart_equals_duckdbs(sample_warehouse: Workspace, postgres_build: tuple[str, Path]) -> None:
    database, _ = postgres_build
    keys = parity.table_keys(sample_warehouse.root / "target" / "manifest.json")
    duckdb_reader = parity.ENGINES["duckdb"](sample_warehouse.database)
    tables, differences = parity.compare(duckdb_reader, parity.ENGINES["postgres"](database), keys)
    assert len(tables) >= 40, tables
    assert not differences, "\n".join(str(difference) for difference in differences[:20])
    # The planted bad rows were compared too: rejected on both engines, with the same reasons.
    _, rejected = duckdb_reader.rows("marts.rejected_rows")
    assert len(rejected) > 50


def test_the_comparison_names_table_key_and_column(sample_warehouse: Workspace, postgres_build: tuple[str, Path]) -> None:
    """A planted difference fails with the table, the row's key and the column."""
    database, _ = postgres_build
    login = postgres.builder_login()
    connection = postgres.Login(login.host, login.port, database, login.user, login.password).connect()
    with connection.cursor() as cursor:
        cursor.execute("select contact_id from marts.rfm_scores order by contact_id limit 1")
        (contact,) = cursor.fetchone()
        cursor.execute("update marts.rfm_scores set frequency = frequency + 1 where contact_id = %s", [contact])
        try:
            keys = parity.table_keys(sample_warehouse.root / "target" / "manifest.json")
            reference = parity.ENGINES["duckdb"](sample_warehouse.database)
            differences = parity.compare_table("marts.rfm_scores", reference, _InTransaction(cursor), keys["marts.rfm_scores"])
        finally:
            connection.rollback()
            connection.close()
    assert len(differences) == 1, differences
    message = str(differences[0])
    assert message.startswith("marts.rfm_scores: key (") and f"'{contact}'" in message and "column frequency" in message


def test_the_safe_casts_run_under_a_parallel_plan(postgres_build: tuple[str, Path]) -> None:
    """A large table gets a parallel plan (the medium benchmark's 100k contacts did): the build's cast
    functions must not fail there ("cannot start subtransactions during a parallel operation")."""
    database, _ = postgres_build
    login = postgres.builder_login()
    connection = postgres.Login(login.host, login.port, database, login.user, login.password).connect()
    try:
        with connection.cursor() as cursor:
            for setting in ("parallel_setup_cost", "parallel_tuple_cost", "min_parallel_table_scan_size"):
                cursor.execute(f"set {setting} = 0")
            functions = postgres.quote_identifier("main_functions")
            cursor.execute(
                f"select count({functions}.try_cast_timestamptz(occurred_at)), count({functions}.try_cast_date(occurred_at)) "
                "from raw.events"
            )
            timestamps, dates = cursor.fetchone()
    finally:
        connection.close()
    assert timestamps > 100_000 and dates > 100_000


class _InTransaction:
    """A reader over an open cursor: sees that transaction's uncommitted changes."""

    name = "postgres"

    def __init__(self, cursor) -> None:
        self.cursor = cursor

    def rows(self, table: str):
        self.cursor.execute(f"select * from {parity.quoted(table)}")
        return [column[0] for column in self.cursor.description], self.cursor.fetchall()


def test_the_bi_role_reads_marts_only(postgres_build: tuple[str, Path]) -> None:
    database, _ = postgres_build
    bi = postgres.bi_login()
    connection = postgres.Login(bi.host, bi.port, database, bi.user, bi.password).connect()
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            for mart in ("marts.dim_contacts", "marts.rfm_scores", "marts.segment_members", "marts.fct_engagement_events"):
                cursor.execute(f"select count(*) from {mart}")
                assert cursor.fetchone()[0] > 0, mart
            refused = [
                "select * from raw.events limit 1",
                "select * from staging.stg_crm__contacts limit 1",
                "select * from intermediate.int_segment_contacts limit 1",
                "select * from segments.seg_cart_abandoners limit 1",
                "select * from seeds.event_types limit 1",
                "select * from static_lists.static_list_members limit 1",
                "insert into marts.segments (segment_key) values ('x')",
                "update marts.dim_contacts set email = null",
                "delete from marts.rfm_scores",
                "create table marts.bi_table (a integer)",
                "create temporary table bi_temporary (a integer)",
                "create schema bi_schema",
                "drop table marts.dim_contacts",
            ]
            for statement in refused:
                with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                    cursor.execute(statement)
    finally:
        connection.close()


def test_export_from_postgres_writes_duckdbs_files(
    published_sample: Path, postgres_build: tuple[str, Path], tmp_path: Path
) -> None:
    """`make export` reads the published marts; on PostgreSQL, `make publish` mirrors the server's marts into
    that file first. The files are the same as from DuckDB's build (the manifest's export time aside)."""
    database, _ = postgres_build
    login = postgres.builder_login()
    mirrored = tmp_path / "mirror" / published_sample.name
    mirrored.parent.mkdir()
    postgres.mirror(postgres.Login(login.host, login.port, database, login.user, login.password), PUBLISHED_SCHEMAS, mirrored)
    published = tmp_path / "published" / published_sample.name
    publish(mirrored, published)
    assert_same_exports(published_sample, published, tmp_path / "exports")


@pytest.fixture
def scratch_database() -> Iterator[str]:
    """An empty database on the server, restricted as `make postgres-up` does, dropped afterwards."""
    database = f"customer_segments_test_{uuid.uuid4().hex[:10]}"
    connection = admin_connection()
    with connection.cursor() as cursor:
        cursor.execute(f"create database {postgres.quote_identifier(database)}")
        restrict_database(cursor, database, postgres.setting("BI_ROLE"))
    connection.close()
    try:
        yield database
    finally:
        connection = admin_connection()
        with connection.cursor() as cursor:
            cursor.execute(f"drop database if exists {postgres.quote_identifier(database)} with (force)")
        connection.close()


@pytest.mark.skipif(
    os.environ.get("CUSTOMER_SEGMENTS_ENGINE_TESTS") != "full",
    reason="a whole-graph Dagster run with every data test on PostgreSQL (minutes): make test-engines-full",
)
def test_dagster_refreshes_a_partition_on_postgres(scratch_database: str, make_workspace) -> None:
    """The Dagster job with DBT_TARGET=postgres: the raw load copies the files into the server, dbt builds
    there with every data test as an asset check, the Great Expectations checks and the publish read a
    snapshot of the server's marts, and the export reads the published file."""
    workspace = make_workspace("dagster_postgres")
    workspace.generate("--contacts", "600", "--orders", "3000", "--events", "12000", "--end-date", "2026-06-30")
    saved = dict(os.environ)
    os.environ.update({
        "DBT_TARGET": "postgres",
        "PGDATABASE": scratch_database,
        "RAW_DATA_DIR": str(workspace.raw),
        "DUCKDB_PATH": str(workspace.database),
        "DAGSTER_HOME": str(workspace.root / "dagster_home"),
        "DBT_THREADS": "2",
        "CUSTOMER_SEGMENTS_EXPORT_DIR": str(workspace.root / "exports"),
    })  # fmt: skip
    (workspace.root / "dagster_home").mkdir()
    try:
        import dagster as dg

        from orchestration.code_location.definitions import defs

        job = defs.resolve_job_def("refresh_segments")
        result = job.execute_in_process(partition_key="2026-06-30", instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    assert result.success, [event.message for event in result.all_events if event.is_failure][:3]
    evaluations = result.get_asset_check_evaluations()
    assert [e.asset_key.to_user_string() for e in evaluations if not e.passed] == []
    assert len([e for e in evaluations if e.check_name == "great_expectations"]) >= 20
    assert not workspace.database.exists(), "nothing is built into a DuckDB file on the postgres target"
    published = workspace.root / "published" / workspace.database.name
    reader = parity.ENGINES["duckdb"](published)
    _, rows = reader.rows("publication.published_relations")
    assert len(rows) > 40
    manifest = json.loads((workspace.root / "exports" / "2026-06-30" / "manifest.json").read_text())
    assert manifest["as_of_date"] == "2026-06-30" and manifest["segments"]
    metadata = {e.asset_key.to_user_string(): e.materialization.metadata for e in result.get_asset_materialization_events()}
    assert metadata["raw/events"]["dagster/row_count"].value > 10_000
    assert "| Champions |" in metadata["rfm_persona_summary"]["summary"].value


def test_the_loader_keeps_empty_text_and_null_apart_and_the_views_over_raw(scratch_database: str, tmp_path: Path) -> None:
    """What DuckDB reads from a file reaches the server as it was read: an empty string stays an empty string,
    a missing value null. A second load replaces the rows and keeps the build's views over the raw tables."""
    import pandas as pd

    pd.DataFrame({
        "contact_id": ["c1", "c2", "c3"], "email": ["a@example.com", "", None], "created_at": ["2026-01-01"] * 3,
        "subscription_status": ["subscribed"] * 3,
    }).to_parquet(tmp_path / "contacts.parquet")  # fmt: skip
    pd.DataFrame({
        "order_id": ["o1"], "contact_id": ["c1"], "ordered_at": ["2026-01-02"], "status": ["completed"],
        "currency": ["EUR"], "total_amount": ["10.00"],
    }).to_parquet(tmp_path / "orders.parquet")  # fmt: skip
    login = postgres.builder_login()
    target = postgres.Login(login.host, login.port, scratch_database, login.user, login.password)
    assert load_postgres(target, tmp_path)["contacts"] == 3
    connection = target.connect()
    try:
        with connection.cursor() as cursor:
            cursor.execute("select contact_id, email, city from raw.contacts order by contact_id")
            assert cursor.fetchall() == [("c1", "a@example.com", None), ("c2", "", None), ("c3", None, None)]
            cursor.execute("create view raw_reader as select count(*) as n from raw.contacts")
        connection.commit()
        assert load_postgres(target, tmp_path)["contacts"] == 3
        with connection.cursor() as cursor:
            cursor.execute("select n from raw_reader")
            assert cursor.fetchone() == (3,)
    finally:
        connection.close()


def test_bi_readers_keep_reading_during_a_build(postgres_build: tuple[str, Path]) -> None:
    """A BI connection polling a mart while dbt rebuilds it (for another as-of date) always reads a whole
    table, the previous one until the new one is swapped in: never an error, a missing or an empty table."""
    import threading
    import time

    database, root = postgres_build
    bi = postgres.bi_login()
    reader = postgres.Login(bi.host, bi.port, database, bi.user, bi.password).connect()
    reader.autocommit = True
    seen: list[tuple[object, int]] = []
    errors: list[str] = []
    stop = threading.Event()

    def poll() -> None:
        with reader.cursor() as cursor:
            cursor.execute("set statement_timeout = '5s'")
            while not stop.is_set():
                try:
                    cursor.execute("select max(as_of_date), count(*) from marts.dim_contacts")
                    seen.append(cursor.fetchone())
                except psycopg2.Error as error:
                    errors.append(str(error))
                time.sleep(0.01)

    environment = {
        **os.environ, "DBT_TARGET": "postgres", "PGDATABASE": database, "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "DBT_PROJECT_DIR": str(PROJECT_DIR), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }  # fmt: skip
    poller = threading.Thread(target=poll)
    poller.start()
    try:
        rebuilt = subprocess.run(
            [str(Path(sys.executable).parent / "dbt"), "run", "--select", "dim_contacts", "--vars",
             json.dumps({"as_of_date": "2026-06-21"}), "--target-path", str(root / "target_rebuild"),
             "--log-path", str(root / "logs")],
            cwd=PROJECT_DIR, env=environment, capture_output=True, text=True, check=False,
        )  # fmt: skip
        time.sleep(0.2)
    finally:
        stop.set()
        poller.join()
        reader.close()
    assert rebuilt.returncode == 0, rebuilt.stdout[-3000:]
    assert errors == []
    dates = [str(date) for date, _ in seen]
    assert len(seen) > 50 and all(count > 0 for _, count in seen)
    assert dates[0] == SAMPLE_AS_OF and dates[-1] == "2026-06-21" and set(dates) == {SAMPLE_AS_OF, "2026-06-21"}
    assert dates == sorted(dates), "once swapped in, the new table is what every later read sees"


def test_make_run_on_postgres_equals_duckdb_on_hostile_csv_files(
    scratch_database: str, hostile_csv_run: MadeRun, tmp_path: Path
) -> None:
    """`DBT_TARGET=postgres make run` as a user types it, on CSV files with hostile lines (malformed lines,
    huge and over-precise amounts, a +15:00 offset, an empty optional file, a BOM): it passes, prints the
    summary, leaves the files as they were, and every mart equals `make run` on DuckDB (conftest's
    hostile_csv_run, which the front-door test checks)."""
    from test_front_door import AS_OF, fingerprint

    on_duckdb = hostile_csv_run
    on_postgres = make_run_on("postgres", on_duckdb.raw, tmp_path / "postgres", AS_OF, PGDATABASE=scratch_database)
    for result in (on_duckdb, on_postgres):
        assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    assert "loaded 7 tables into PostgreSQL" in on_postgres.stdout and "Warehouse PostgreSQL" in on_postgres.stdout
    assert "Rows rejected per reason" in on_postgres.stdout
    assert fingerprint(on_duckdb.raw) == on_duckdb.before
    keys = parity.table_keys(on_duckdb.work / "target" / "manifest.json")
    duckdb_reader = parity.ENGINES["duckdb"](on_duckdb.database)
    tables, differences = parity.compare(duckdb_reader, parity.ENGINES["postgres"](scratch_database), keys)
    assert len(tables) >= 40
    assert not differences, "\n".join(str(difference) for difference in differences[:20])
    _, rejected = duckdb_reader.rows("marts.rejected_rows")
    assert {"malformed_line", "out_of_range", "excess_precision"} <= {row[2] for row in rejected}


def test_personal_data_in_the_marts_is_dim_contacts_documented_columns(sample_warehouse: Workspace) -> None:
    """What the BI role may read: no mart but dim_contacts holds a column dim_contacts marks `meta.pii`."""
    nodes = json.loads((sample_warehouse.root / "target" / "manifest.json").read_text())["nodes"].values()
    marts = {node["name"]: node for node in nodes if node["resource_type"] == "model" and node["schema"] == "marts"}
    pii = {name for name, column in marts["dim_contacts"]["columns"].items() if (column.get("meta") or {}).get("pii")}
    assert {"email", "first_name", "last_name", "birth_date"} <= pii
    columns = sample_warehouse.query(
        "select table_name, column_name from information_schema.columns where table_schema = 'marts'"
    )
    leaking = columns[(columns.table_name != "dim_contacts") & columns.column_name.isin(pii)]
    assert len(set(columns.table_name)) >= 35 and leaking.empty, leaking.to_string()
