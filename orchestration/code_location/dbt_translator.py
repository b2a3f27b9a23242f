"""How dbt nodes become Dagster assets.

- Models and seeds keep their dbt name as the asset key (dbt names are unique).
- Sources are the raw tables the load asset writes: `raw/<table>`; the static
  list tables, which only the static list operations write, are
  `static_lists/<table>` (external assets: no job materializes them).
- Groups follow the dbt folders: `staging_crm`, `intermediate_rfm`, `marts_engagement`,
  `seeds`; the raw load is group `raw`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

RAW_GROUP = "raw"
STATIC_LISTS_SOURCE = "static_lists"


def raw_asset_key(table: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", table])


def group_for(resource_type: str, fqn: list[str]) -> str:
    """The dbt folder as a group: layer and domain (`marts_rfm`), or `seeds`."""
    if resource_type == "seed":
        return "seeds"
    if resource_type == "snapshot":
        return "snapshots"
    folders = fqn[1:-1]
    return "_".join(folders[:2]) if folders else "models"


class CustomerSegmentsTranslator(DagsterDbtTranslator):
    def __init__(self) -> None:
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            if dbt_resource_props["source_name"] == STATIC_LISTS_SOURCE:
                return dg.AssetKey([STATIC_LISTS_SOURCE, dbt_resource_props["name"]])
            return raw_asset_key(dbt_resource_props["name"])
        return dg.AssetKey([dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return STATIC_LISTS_SOURCE if dbt_resource_props["source_name"] == STATIC_LISTS_SOURCE else RAW_GROUP
        return group_for(dbt_resource_props["resource_type"], list(dbt_resource_props["fqn"]))
