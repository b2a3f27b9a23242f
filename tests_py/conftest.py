"""Shared helpers: every build uses its own raw directory, DuckDB file, dbt
target and log path under pytest's tmp_path, never the developer's."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent
BIN_DIR = Path(sys.executable).parent
# dbt's parse of the project (partial_parse.msgpack) per project and vars,
# shared by the tests of one pytest run (the xdist workers share a parent):
# a dbt command then re-parses only what changed, about 7 s less each.
RUN_ID = os.getppid() if "PYTEST_XDIST_WORKER" in os.environ else os.getpid()
PARSE_CACHE = Path(tempfile.gettempdir()) / f"customer_segments_parse_{RUN_ID}"


def copy_dbt_project(root: Path) -> Path:
    """The project's dbt files in `root`, to change without touching the
    project; `orchestration` is linked, not copied: the profile's DuckDB
    plugin is imported from it (DBT_PROJECT_DIR=root)."""
    import shutil

    for name in ("dbt_project.yml", "profiles.yml", ".sqlfluff"):
        shutil.copy(PROJECT_DIR / name, root / name)
    for folder in ("models", "macros", "seeds", "tests"):
        shutil.copytree(PROJECT_DIR / folder, root / folder)
    (root / "orchestration").symlink_to(PROJECT_DIR / "orchestration", target_is_directory=True)
    return root


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """os.environ with `values` for an in-process dbt command, then restored."""
    saved = dict(os.environ)
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


# The vars dbt writes into the manifest while parsing: the raw sources' schemas and the persona scheme (a
# ref names its seed). Every other var is read when a node is compiled (models, hooks, and data tests,
# whose arguments dbt renders again at run time), so one parse serves a command with any other values.
# test_layers.py parses with other values of every var and fails if the manifest changes.
PARSE_TIME_VARS = frozenset({"raw_schema", "static_lists_schema", "rfm_persona_scheme"})
# Where in-process parses pretend the warehouse is: dbt's partial-parse check compares the rendered profile,
# and relation names carry the warehouse file's name (the database), so only the name may vary.
PARSE_ROOT = PARSE_CACHE / "parse"
_MANIFESTS: dict[tuple[Path, str, str], Any] = {}


def parsed_manifest(project: Path, database_name: str, parse_vars: dict[str, object] | None = None) -> Any:
    """dbt's parse of `project` in this process with `parse_vars`, once per test
    process: the manifest, or the parse's error as dbt reports it. A copy of the project starts from the
    project's own parse (dbt's partial parse re-reads only the files the copy changed), and so does the
    project itself in every worker but the first."""
    rendered = vars_argument(parse_vars) if parse_vars else []
    key = (project, database_name, " ".join(rendered))
    if key in _MANIFESTS:
        return _MANIFESTS[key]
    # the parse file of the project with these vars, for every copy and worker
    digest = hashlib.sha256("\0".join(key[1:]).encode()).hexdigest()[:20]
    cached = PARSE_CACHE / f"{digest}.msgpack"
    if project != PROJECT_DIR:
        if not cached.exists():
            parsed_manifest(PROJECT_DIR, database_name, parse_vars)
        _MANIFESTS[key] = _parse(project, database_name, rendered, cached)
    else:
        from filelock import FileLock

        # One worker parses the whole project; the others wait and start from its parse (a full parse costs
        # about four partial ones).
        PARSE_CACHE.mkdir(parents=True, exist_ok=True)
        with FileLock(str(cached.with_suffix(".lock"))):
            _MANIFESTS[key] = _parse(project, database_name, rendered, cached)
    return _MANIFESTS[key]


def _parse(project: Path, database_name: str, rendered: list[str], cached: Path) -> Any:
    """dbt parse of `project` in this process, starting from `cached` (dbt's partial_parse.msgpack) when it
    exists; the project's own parse is saved there."""
    from dbt.cli.main import dbtRunner

    root = Path(tempfile.mkdtemp(prefix="customer_segments_parse_"))
    saved = root / "target" / "partial_parse.msgpack"
    if cached.exists():
        saved.parent.mkdir(parents=True)
        shutil.copyfile(cached, saved)
    PARSE_ROOT.mkdir(parents=True, exist_ok=True)
    values = {
        "DUCKDB_PATH": str(PARSE_ROOT / database_name), "RAW_DATA_DIR": str(PARSE_ROOT),
        "DBT_PROFILES_DIR": str(project), "DBT_PROJECT_DIR": str(project), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }  # fmt: skip
    with environment(values):
        result = dbtRunner().invoke(["parse", "--quiet", "--project-dir", str(project), "--target-path",
                                     str(root / "target"), "--log-path", str(root / "logs"), *rendered])
    if project == PROJECT_DIR and result.success and not cached.exists():
        partial = cached.with_suffix(f".{os.getpid()}")
        shutil.copyfile(saved, partial)
        os.replace(partial, cached)
    shutil.rmtree(root, ignore_errors=True)
    return result.result if result.success else ParseFailure(str(result.exception))


@dataclass
class ParseFailure:
    message: str


@contextmanager
def operation_without_dag() -> Iterator[None]:
    """dbt run-operation links and cycle-checks the whole DAG and writes graph.gpickle before it calls the
    macro: 0.4 s, most of a call on the parsed project. The project's macros read the manifest (the graph
    variable), never that DAG; in this context run-operation skips it."""
    from unittest import mock

    from dbt.task.run_operation import RunOperationTask

    with mock.patch.object(RunOperationTask, "compile_manifest", lambda task: None):
        yield


def close_warehouse() -> None:
    """dbt-duckdb keeps the last warehouse open in the process after a command; close it so that the
    test (or the next command) can open the file."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
            DuckDBConnectionManager._ENV = None


def vars_argument(values: dict[str, object]) -> list[str]:
    return ["--vars", json.dumps(values, sort_keys=True)]


def add_segment_models(root: Path, names: list[str]) -> None:
    """What a user does to add segments besides their YAML: a model file each
    (models/segments/<name>.sql) and its ref in int_segment_members' list."""
    members = root / "models" / "segments" / "intermediate" / "int_segment_members.sql"
    text = members.read_text()
    anchor = "{%- set segment_models = [\n"
    assert anchor in text, "int_segment_members lists the segment models"
    for name in names:
        (root / "models" / "segments" / f"{name}.sql").write_text("{{ segment_model() }}\n")
    members.write_text(text.replace(anchor, anchor + "".join(f"    ref('{name}'),\n" for name in names)))


# For a build that should fail in a model or a data test: the unit tests (half a second each, run before the
# models they test) prove SQL on fixed rows, and the shared sample's build runs them.
NO_UNIT_TESTS = ("--exclude-resource-type", "unit_test")


@dataclass
class DbtResult:
    returncode: int
    output: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


@dataclass
class Workspace:
    """A test's raw files, warehouse and dbt target under `root`, built from
    the project or from a changed copy of it (`project`, copy_dbt_project)."""

    root: Path
    project: Path = PROJECT_DIR

    @property
    def raw(self) -> Path:
        return self.root / "raw"

    @property
    def database(self) -> Path:
        return self.root / "warehouse.duckdb"

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "RAW_DATA_DIR": str(self.raw),
            "DUCKDB_PATH": str(self.database),
            "PUBLISHED_DUCKDB_PATH": "",  # published/ beside DUCKDB_PATH, whatever the developer's shell says
            "DBT_PROFILES_DIR": str(self.project),
            "DBT_PROJECT_DIR": str(self.project),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DBT_THREADS": "2",
        }

    def dbt(self, *args: str, vars: dict[str, object] | None = None, select: str | None = None) -> DbtResult:
        """A dbt command in this process, on the project's manifest parsed once per test process and the
        values of PARSE_TIME_VARS (a new dbt process and parse cost about 15 s). The command line a user
        types is tested by `make run` (test_front_door.py) and by Dagster's runs (test_dagster.py)."""
        from dbt.cli.main import dbtRunner

        messages: list[str] = []

        def collect(event: Any) -> None:
            message = getattr(event.info, "msg", "")
            if message:
                messages.append(str(message))

        # A command that sets a var read while parsing is parsed with all its vars, as dbt would.
        parse_vars = vars if vars and PARSE_TIME_VARS & set(vars) else None
        manifest = parsed_manifest(self.project, self.database.name, parse_vars)
        if isinstance(manifest, ParseFailure):
            return DbtResult(2, f"Encountered an error:\n{manifest.message}")
        runner = dbtRunner(manifest=manifest, callbacks=[collect])
        # The messages reach `collect` whatever the log levels; printing them and writing every debug line to
        # dbt.log cost a sixth of a build.
        command = [*args, "--log-level", "none", "--log-level-file", "info",
                   "--project-dir", str(self.project), "--target-path", str(self.root / "target"),
                   "--log-path", str(self.root / "logs"), *(vars_argument(vars) if vars else []),
                   *(["--select", select] if select else [])]  # fmt: skip
        try:
            with environment(self.env()), operation_without_dag():
                result = runner.invoke(command)
        finally:
            close_warehouse()
        return DbtResult(0 if result.success else 1, "\n".join(messages) + f"\n{result.exception or ''}")

    def build(self, *args: str, tests: bool = False, unit_tests: bool = False, **kwargs: object) -> DbtResult:
        """dbt build of seeds and models. Data tests only with `tests`: they
        run on the shared sample warehouse, and a test that compares marts
        with a reference does not need them again (half of a build's time).
        Unit tests only with `unit_tests` (the shared sample's build): they
        do not read the data, so once is enough."""
        skipped = [] if unit_tests else ["--exclude-resource-type", "unit_test"]
        if not tests:
            skipped += ["--exclude-resource-type", "test"]
        result = self.dbt("build", *args, *skipped, **kwargs)  # type: ignore[arg-type]
        assert result.ok, result.output[-6000:]
        return result

    def query(self, sql: str) -> pd.DataFrame:
        with duckdb.connect(str(self.database), read_only=True) as connection:
            return connection.execute(sql).df()

    def generate(self, *args: str) -> None:
        subprocess.run(
            [sys.executable, "-m", "orchestration.generator", "--out", str(self.raw), "--quiet", *args],
            cwd=PROJECT_DIR,
            check=True,
            capture_output=True,
        )

    def write_csv(self, entity: str, frame: pd.DataFrame) -> None:
        self.raw.mkdir(parents=True, exist_ok=True)
        frame.to_csv(self.raw / f"{entity}.csv", index=False)


# The shared sample: generated and built once per test session (with the data
# tests), then only read. Default settings, as of SAMPLE_AS_OF.
SAMPLE_AS_OF = "2026-06-20"
SAMPLE_GENERATE = (
    "--contacts", "2500", "--orders", "20000", "--events", "150000", "--end-date", "2026-06-30", "--seed", "7",
    "--bad-row-rate", "0.003", "--format", "csv",
)  # fmt: skip


@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Workspace:
    """The sample warehouse, built once for all pytest-xdist workers (the
    first takes a file lock and builds, the others wait and reuse it), with
    every data and unit test. Tests only read it (Workspace.query opens it
    read-only)."""
    from filelock import FileLock

    shared = tmp_path_factory.getbasetemp() if worker_id == "master" else tmp_path_factory.getbasetemp().parent
    workspace = Workspace(shared / "sample_warehouse")
    with FileLock(str(shared / "sample_warehouse.lock")):
        done = workspace.root / "built"
        if not done.exists():
            workspace.root.mkdir(exist_ok=True)
            workspace.generate(*SAMPLE_GENERATE)
            workspace.build(tests=True, unit_tests=True, vars={"as_of_date": SAMPLE_AS_OF})
            done.touch()
    return workspace


@pytest.fixture(scope="session")
def published_sample(sample_warehouse: Workspace, tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """The sample warehouse published once (`make publish`'s step) for every worker: what readers, the
    semantic layer and the dashboard see."""
    from filelock import FileLock

    from orchestration.lib.publish import publish

    shared = tmp_path_factory.getbasetemp() if worker_id == "master" else tmp_path_factory.getbasetemp().parent
    published = shared / "published_sample" / sample_warehouse.database.name
    with FileLock(str(shared / "published_sample.lock")):
        if not published.is_file():
            publish(sample_warehouse.database, published)
    return published


def make_run_on(target: str, raw: Path, work: Path, as_of: str, **settings: str) -> subprocess.CompletedProcess[str]:
    """`make run` as a user types it, on DBT_TARGET `target`, with its warehouse, dbt target and logs under `work`."""
    environment = {
        **os.environ, "DBT_TARGET": target, "RAW_DATA_DIR": str(raw), "AS_OF_DATE": as_of,
        "DUCKDB_PATH": str(work / "warehouse.duckdb"), "PUBLISHED_DUCKDB_PATH": "",
        "DBT_TARGET_PATH": str(work / "target"), "DBT_LOG_PATH": str(work / "logs"),
        "CUSTOMER_SEGMENTS_LOCK_TIMEOUT": "0", **settings,
    }  # fmt: skip
    return subprocess.run(
        ["make", "--no-print-directory", "run"], cwd=PROJECT_DIR, env=environment, capture_output=True, text=True, check=False
    )


@dataclass
class MadeRun:
    """`make run` on DuckDB over a user's CSV files with hostile lines (test_front_door.hostile_csv_directory):
    the files, their fingerprints before the run, the orders file's lines and what the run printed."""

    raw: Path
    work: Path
    before: dict[str, str]
    orders_lines: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def database(self) -> Path:
        return self.work / "warehouse.duckdb"


@pytest.fixture(scope="session")
def hostile_csv_run(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> MadeRun:
    """The DuckDB `make run` on the hostile CSV files, once for every worker: the front-door test checks it, and
    the PostgreSQL (and Spark) `make run`s on the same files are compared with it."""
    from filelock import FileLock
    from test_front_door import AS_OF, fingerprint, hostile_csv_directory

    shared = tmp_path_factory.getbasetemp() if worker_id == "master" else tmp_path_factory.getbasetemp().parent
    root = shared / "hostile_csv_run"
    record = root / "run.json"
    with FileLock(str(shared / "hostile_csv_run.lock")):
        if not record.exists():
            root.mkdir(exist_ok=True)
            raw, body = hostile_csv_directory(root)
            before = fingerprint(raw)
            done = make_run_on("duckdb", raw, root / "duckdb", AS_OF)
            record.write_text(json.dumps({
                "raw": str(raw), "before": before, "orders_lines": body,
                "returncode": done.returncode, "stdout": done.stdout, "stderr": done.stderr,
            }))  # fmt: skip
    made = json.loads(record.read_text())
    return MadeRun(Path(made["raw"]), root / "duckdb", made["before"], made["orders_lines"], made["returncode"],
                   made["stdout"], made["stderr"])  # fmt: skip


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    (tmp_path / "raw").mkdir()
    return Workspace(tmp_path)


@pytest.fixture
def make_workspace(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Workspace]:
    def make(name: str) -> Workspace:
        root = tmp_path_factory.mktemp(name)
        (root / "raw").mkdir()
        return Workspace(root)

    return make


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The controller (not an xdist worker) removes the run's parse cache."""
    if not hasattr(session.config, "workerinput"):
        shutil.rmtree(PARSE_CACHE, ignore_errors=True)


# The modules that take longest (`make test` prints the slowest tests), run
# first, longest first: with --no-loadscope-reorder, pytest-xdist (--dist loadfile)
# hands whole modules to the workers in collection order (by default it orders
# them by their number of tests), and a long module started last would run alone
# (test_spark, 6 minutes, once ran last: 3 minutes of one idle worker). The first
# two differ in what they wait for: test_spark builds the shared sample, which
# test_dagster does not read, so neither worker waits for the other at the start.
SLOWEST_MODULES_FIRST = [
    "test_spark", "test_dagster", "test_postgres", "test_rfm", "test_segments_build", "test_front_door",
    "test_segment_language", "test_as_of", "test_refresh_equals_rebuild", "test_incremental_events",
    "test_enumerations", "test_inputs_and_config", "test_engagement", "test_raw_fuzz", "test_dashboard", "test_layers",
    "test_segment_insights_config", "test_build_quarantine", "test_serving", "test_predictions",
]  # fmt: skip


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    rank = {name: position for position, name in enumerate(SLOWEST_MODULES_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.stem, len(rank)))


def assert_same_exports(reference: Path, other: Path, work: Path) -> None:
    """The customers export (CSV and Parquet) from two published files: the same files, byte for byte
    (the manifest aside: it records when it was written)."""
    from orchestration.segment_export import export_segments

    for name, source in (("reference", reference), ("other", other)):
        export_segments(source, work / name, None, None, False, ("csv", "parquet"))
    reference_files, other_files = (
        sorted(path.relative_to(work / name) for path in (work / name).rglob("*") if path.is_file())
        for name in ("reference", "other")
    )
    assert reference_files == other_files and len(reference_files) > 4
    for relative in reference_files:
        if relative.name == "manifest.json":
            continue
        assert (work / "reference" / relative).read_bytes() == (work / "other" / relative).read_bytes(), relative
