"""The raw-data contract, read from the dbt sources YAML (the single definition).

A source table's ``meta.required_file`` says whether its file must exist; a
column's ``meta.required`` says whether it must be present and non-empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

PROJECT_DIR = Path(__file__).resolve().parents[2]
SOURCES_GLOB = "models/staging/*/_*__sources.yml"


@dataclass(frozen=True)
class Column:
    name: str
    required: bool


@dataclass(frozen=True)
class Entity:
    name: str
    source: str
    required_file: bool
    columns: tuple[Column, ...]
    record_key: tuple[str, ...]

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [column.name for column in self.columns if column.required]


def load_contract(project_dir: Path = PROJECT_DIR) -> dict[str, Entity]:
    """Every raw entity of the contract, by name, in file order."""
    entities: dict[str, Entity] = {}
    for path in sorted(project_dir.glob(SOURCES_GLOB)):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for source in document.get("sources", []):
            for table in source.get("tables", []):
                meta = table.get("meta") or {}
                if "required_file" not in meta:
                    continue
                columns = tuple(
                    Column(column["name"], bool((column.get("meta") or {}).get("required", False)))
                    for column in table.get("columns", [])
                )
                entities[table["name"]] = Entity(
                    name=table["name"],
                    source=source["name"],
                    required_file=bool(meta["required_file"]),
                    columns=columns,
                    record_key=tuple(meta.get("record_key", [])),
                )
    if not entities:
        raise RuntimeError(f"no raw contract found in {project_dir / SOURCES_GLOB}")
    return entities
