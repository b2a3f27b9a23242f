"""The dbt project Dagster loads. Its manifest is target/manifest.json:
`make dagster` and `make manifest` write it with `dbt parse`; `dagster dev`
re-parses on start (prepare_if_dev); without one, loading the definitions
parses once and says so."""

from __future__ import annotations

import logging
from pathlib import Path

from dagster_dbt import DbtProject

PROJECT_DIR = Path(__file__).resolve().parents[2]

dbt_project = DbtProject(project_dir=PROJECT_DIR, profiles_dir=PROJECT_DIR)
dbt_project.prepare_if_dev()
if not dbt_project.manifest_path.exists():
    logging.getLogger(__name__).warning("no %s: running `dbt parse` once", dbt_project.manifest_path)
    dbt_project.preparer.prepare(dbt_project)
