"""Shared helpers: every build uses its own raw directory, DuckDB file, dbt
target and log path under pytest's tmp_path, never the developer's."""

from __future__ import annotations

import hashlib
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


_MANIFESTS: dict[tuple[Path, str], Any] = {}


def parsed_manifest(project: Path, database_name: str) -> Any:
    """dbt's manifest of `project`, parsed once per test process, for in-process commands that need no
    parse of their own. The warehouse file's name is the database dbt writes into relation names, so it
    must be the one the commands use."""
    if (project, database_name) not in _MANIFESTS:
        from dbt.cli.main import dbtRunner

        root = Path(tempfile.mkdtemp(prefix="customer_segments_manifest_"))
        values = {
            "DUCKDB_PATH": str(root / database_name), "RAW_DATA_DIR": str(root), "DBT_PROFILES_DIR": str(project),
            "DBT_PROJECT_DIR": str(project), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }  # fmt: skip
        with environment(values):
            result = dbtRunner().invoke(["parse", "--quiet", "--project-dir", str(project), "--target-path",
                                         str(root / "target"), "--log-path", str(root / "logs")])
        assert result.success, f"dbt parse failed: {result.exception}"
        _MANIFESTS[project, database_name] = result.result
        shutil.rmtree(root, ignore_errors=True)
    return _MANIFESTS[project, database_name]


def vars_argument(values: dict[str, object]) -> list[str]:
    rendered = ", ".join(
        f"{key}: {value!r}" if isinstance(value, str) else f"{key}: {str(value).lower()}" for key, value in values.items()
    )
    return ["--vars", "{" + rendered + "}"]


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
            "DBT_PROFILES_DIR": str(self.project),
            "DBT_PROJECT_DIR": str(self.project),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DBT_THREADS": "2",
        }

    def dbt(self, *args: str, vars: dict[str, object] | None = None, select: str | None = None) -> DbtResult:
        command = [str(BIN_DIR / "dbt"), *args, "--target-path", str(self.root / "target"), "--log-path", str(self.root / "logs")]
        if vars:
            command += vars_argument(vars)
        if select:
            command += ["--select", select]
        # dbt runs in `root` with the warehouse path relative to it: the profile then reads the same for every
        # test, and dbt can reuse a parse of the same project and vars (it re-parses the files that changed).
        env = {**self.env(), "DUCKDB_PATH": self.database.name}
        command += ["--project-dir", str(self.project)]
        parsed_with = command[command.index("--vars") + 1] if "--vars" in command else ""
        key = hashlib.sha256(f"{self.project}\0{parsed_with}".encode()).hexdigest()
        cached, saved = PARSE_CACHE / f"{key[:20]}.msgpack", self.root / "target" / "partial_parse.msgpack"
        if cached.exists() and not saved.exists():
            saved.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(cached, saved)
        process = subprocess.run(command, cwd=self.root, env=env, capture_output=True, text=True, check=False)
        if saved.exists() and not cached.exists():
            PARSE_CACHE.mkdir(exist_ok=True)
            partial = cached.with_suffix(f".{os.getpid()}")
            shutil.copyfile(saved, partial)
            os.replace(partial, cached)
        return DbtResult(process.returncode, process.stdout + process.stderr)

    def dbt_in_process(self, *args: str, vars: dict[str, object] | None = None) -> DbtResult:
        """A dbt command in this process on the project's manifest parsed once (about 1 s instead of a
        process and a parse): for commands whose outcome does not depend on parsing with `vars`, such as
        the configuration checks of the on-run-start hooks."""
        from dbt.cli.main import dbtRunner

        messages: list[str] = []

        def collect(event: Any) -> None:
            message = getattr(event.info, "msg", "")
            if message:
                messages.append(str(message))

        runner = dbtRunner(manifest=parsed_manifest(self.project, self.database.name), callbacks=[collect])
        command = [*args, "--project-dir", str(self.project), "--target-path", str(self.root / "target"),
                   "--log-path", str(self.root / "logs"), *(vars_argument(vars) if vars else [])]
        with environment(self.env()):
            result = runner.invoke(command)
        return DbtResult(0 if result.success else 1, "\n".join(messages) + f"\n{result.exception or ''}")

    def build(self, *args: str, tests: bool = False, **kwargs: object) -> DbtResult:
        """dbt build of seeds and models. Data tests only with `tests`: they
        run on the shared sample warehouse and in `make test-build`, and a
        test that compares marts with a reference does not need them again
        (half of a build's time). Unit tests never: they do not read the data."""
        skipped = ["--exclude-resource-type", "unit_test"]
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
    first takes a file lock and builds, the others wait and reuse it). Tests
    only read it (Workspace.query opens it read-only)."""
    from filelock import FileLock

    shared = tmp_path_factory.getbasetemp() if worker_id == "master" else tmp_path_factory.getbasetemp().parent
    workspace = Workspace(shared / "sample_warehouse")
    with FileLock(str(shared / "sample_warehouse.lock")):
        done = workspace.root / "built"
        if not done.exists():
            workspace.root.mkdir(exist_ok=True)
            workspace.generate(*SAMPLE_GENERATE)
            workspace.build(tests=True, vars={"as_of_date": SAMPLE_AS_OF})
            done.touch()
    return workspace


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
# first: pytest-xdist (--dist loadfile) hands whole modules to the workers in
# collection order, and a long module started last would run alone.
SLOWEST_MODULES_FIRST = [
    "test_dagster", "test_rfm", "test_segments_build", "test_as_of", "test_incremental_events", "test_front_door",
    "test_segment_language", "test_inputs_and_config", "test_independent_computation", "test_enumerations",
    "test_segment_insights_config", "test_raw_fuzz", "test_build_quarantine",
]  # fmt: skip


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    rank = {name: position for position, name in enumerate(SLOWEST_MODULES_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.stem, len(rank)))
