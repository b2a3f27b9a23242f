"""The customers export as an asset: after the build of a partition, one CSV
and one Parquet file per active segment and a manifest, in
<export dir>/<as-of date>/ (orchestration/segment_export.py). The columns and
email hashing are the run's configuration (Launchpad)."""

import dagster as dg
import duckdb
from pydantic import Field

from orchestration.code_location.assets.publish import PUBLISHED_KEY
from orchestration.code_location.partitions import as_of_date_for_partition, daily_partitions
from orchestration.code_location.resources import WAREHOUSE_POOL, WarehouseResource
from orchestration.lib.publish import published_path
from orchestration.segment_export import (
    CONSENTS,
    DEFAULT_COLUMNS,
    ExportError,
    default_export_dir,
    export_segments,
)

EXPORTS_GROUP = "exports"


class SegmentExportConfig(dg.Config):
    columns: list[str] = Field(
        default_factory=list,
        description=f"Columns of dim_contacts and the score marts; empty: {', '.join(DEFAULT_COLUMNS)} "
        "(without the PII columns when hash_email is on).",
    )
    hash_email: bool = Field(default=False, description="Export email as email_sha256; no other PII may leave.")
    consent: str = Field(
        default="",
        description=f"Which members leave: {' or '.join(CONSENTS)}; empty: reachable with hash_email, all otherwise.",
    )


def manifest_table(manifest: dict) -> str:
    lines = ["| segment | rows | csv sha256 | parquet sha256 |", "|---|---:|---|---|"]
    for entry in manifest["segments"]:
        files = entry["files"]
        lines.append(
            f"| {entry['segment_key']} | {entry['rows']:,} | {files.get('csv', {}).get('sha256', '')[:16]} "
            f"| {files.get('parquet', {}).get('sha256', '')[:16]} |"
        )
    return "\n".join(lines)


@dg.asset(
    key=dg.AssetKey(["segment_exports"]),
    group_name=EXPORTS_GROUP,
    # The export reads the published file: the marts of this build once they and their checks passed.
    deps=[PUBLISHED_KEY],
    partitions_def=daily_partitions,
    pool=WAREHOUSE_POOL,
    kinds={"csv", "parquet"},
    description="One CSV and one Parquet file per active segment (its members with the chosen columns, ordered by "
    "contact_id) and manifest.json (rows, columns, as-of date, SHA-256 per file), in "
    "$CUSTOMER_SEGMENTS_EXPORT_DIR/<as-of date>/. docs/insights.md.",
)
def segment_exports(
    context: dg.AssetExecutionContext, config: SegmentExportConfig, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    as_of_date = as_of_date_for_partition(context.partition_key) if context.has_partition_key else None
    out_dir = default_export_dir() / as_of_date if as_of_date else None
    try:
        manifest = export_segments(
            published_path(warehouse.database),
            out_dir=out_dir,
            columns=config.columns or None,
            hash_email=config.hash_email,
            as_of_date=as_of_date,
            log=context.log.info,
            consent=config.consent or None,
        )
    except ExportError as error:
        raise dg.Failure(description=f"customers export: {error}") from error
    except duckdb.IOException as error:
        warehouse.raise_if_locked(context, str(error))
        raise
    return dg.MaterializeResult(
        metadata={
            "as_of_date": manifest["as_of_date"],
            "directory": dg.MetadataValue.path(str(out_dir or default_export_dir() / manifest["as_of_date"])),
            "segments": len(manifest["segments"]),
            "columns": ", ".join(manifest["columns"]),
            "hashed_email": manifest["hashed_email"],
            "consent": manifest["consent"],
            "dagster/row_count": sum(entry["rows"] for entry in manifest["segments"]),
            "files": dg.MetadataValue.md(manifest_table(manifest)),
        }
    )
