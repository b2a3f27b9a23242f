"""The dbt project Dagster loads. Its manifest is target/manifest.json:
`make dagster` and `make manifest` write it with `dbt parse`; `dagster dev`
re-parses on start; without one, loading the definitions parses once and
says so. The parse uses this environment's dbt (.venv/bin/dbt), whatever
PATH holds."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtProject

PROJECT_DIR = Path(__file__).resolve().parents[2]
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")

dbt_project = DbtProject(project_dir=PROJECT_DIR, profiles_dir=PROJECT_DIR)


def parse_project() -> None:
    """`dbt parse`, writing target/manifest.json."""
    environment = {**os.environ, "DBT_PROJECT_DIR": str(PROJECT_DIR), "DBT_PROFILES_DIR": str(PROJECT_DIR)}
    subprocess.run([DBT_EXECUTABLE, "parse", "--quiet"], cwd=PROJECT_DIR, env=environment, check=True)


if os.environ.get("DAGSTER_IS_DEV_CLI"):  # dagster dev: the manifest of the files as they are now
    parse_project()
elif not dbt_project.manifest_path.exists():
    logging.getLogger(__name__).warning("no %s: running `dbt parse` once", dbt_project.manifest_path)
    parse_project()
