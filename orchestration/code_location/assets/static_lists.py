"""The static list tables as external assets: upstream of the dbt models
that read them, written only by `python -m orchestration.static_lists`
(dbt operations), never by a Dagster run, so no run can change a list."""

from __future__ import annotations

import dagster as dg

from orchestration.code_location.dbt_translator import STATIC_LISTS_SOURCE

STATIC_LIST_TABLES = {
    "static_lists": "One row per static list (frozen segment members or uploaded contact ids).",
    "static_list_members": "One row per static list and member contact.",
    "static_list_rejected_ids": "Uploaded ids a list refused, with the reason.",
}

static_list_tables = [
    dg.AssetSpec(
        key=dg.AssetKey([STATIC_LISTS_SOURCE, table]),
        group_name=STATIC_LISTS_SOURCE,
        description=f'{description} Written by `python -m orchestration.static_lists`; see docs/segments.md "Static lists".',
    )
    for table, description in STATIC_LIST_TABLES.items()
]
