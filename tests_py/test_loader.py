"""The loader: raw files into text-typed raw.* tables, under the contract's rules."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from conftest import Workspace
from orchestration.loader import LOADED_MARK, MALFORMED_LINES, RawDataError, load_duckdb, load_spark, main

CONTACTS = pd.DataFrame(
    {
        "contact_id": ["c1", "c2"],
        "created_at": ["2024-01-01T10:00:00Z", "2024-01-02"],
        "subscription_status": ["subscribed", "unsubscribed"],
        "Email": ["A@x.com", None],
    }
)
ORDERS = pd.DataFrame(
    {
        "order_id": [1, 2],
        "contact_id": ["c1", "c2"],
        "ordered_at": pd.to_datetime(["2024-02-01 10:00", "2024-02-02 11:30"]),
        "status": ["completed", "cancelled"],
        "currency": ["EUR", "EUR"],
        "total_amount": [10.5, 3.0],
    }
)


def tables(database: Path) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(database), read_only=True) as connection:
        names = [
            row[0]
            for row in connection.execute(
                "select table_name from information_schema.tables where table_schema = 'raw'"
            ).fetchall()
        ]
        return {name: connection.execute(f'select * from raw."{name}"').df() for name in names}


def test_csv_and_typed_parquet_load_as_text_with_every_contract_column(tmp_path: Path) -> None:
    CONTACTS.to_csv(tmp_path / "contacts.csv", index=False)
    ORDERS.to_parquet(tmp_path / "orders.parquet")
    rows = load_duckdb(tmp_path / "w.duckdb", tmp_path)
    assert rows == {
        "contact_tags": 0, "contacts": 2, "order_lines": 0, "orders": 2, "products": 0, "events": 0, MALFORMED_LINES: 0
    }
    loaded = tables(tmp_path / "w.duckdb")
    assert set(loaded) == {"contacts", "contact_tags", "orders", "order_lines", "products", "events", MALFORMED_LINES}
    assert loaded[MALFORMED_LINES].empty
    contacts = loaded["contacts"]
    assert list(contacts.columns[:3]) == ["contact_id", "email", "first_name"]
    assert contacts.loc[contacts.contact_id == "c1", "email"].item() == "A@x.com", "header matched case-insensitively"
    assert contacts.first_name.isna().all(), "a missing optional column is null"
    orders = loaded["orders"].sort_values("order_id")
    assert orders.order_id.tolist() == ["1", "2"]
    assert orders.ordered_at.tolist() == ["2024-02-01 10:00:00", "2024-02-02 11:30:00"]
    assert orders.total_amount.tolist() == ["10.5", "3.0"]
    assert loaded["events"].empty and "event_type" in loaded["events"].columns


def test_spark_load_writes_text_parquet_and_replaces_only_its_own_directories(tmp_path: Path) -> None:
    """`make load` for Spark: one text-typed Parquet file per entity (and the malformed lines) in a
    directory it marks as its own; a later load replaces those, and a directory of that name it did
    not write stops the load before anything is written."""
    raw = tmp_path / "raw"
    raw.mkdir()
    CONTACTS.to_csv(raw / "contacts.csv", index=False)
    ORDERS.to_parquet(raw / "orders.parquet")
    target = tmp_path / "spark_raw"
    rows = load_spark(raw, target=target)
    assert rows["contacts"] == 2 and rows["orders"] == 2 and rows["events"] == 0 and rows[MALFORMED_LINES] == 0
    folders = sorted(path.name for path in (target / "raw").iterdir())
    assert folders == sorted(["contacts", "contact_tags", "orders", "order_lines", "products", "events", MALFORMED_LINES])
    orders = duckdb.sql(f"select * from read_parquet('{target}/raw/orders/*.parquet') order by order_id")
    assert {column: str(kind) for column, kind in zip(orders.columns, orders.types, strict=True)}["total_amount"] == "VARCHAR"
    assert [row[0] for row in orders.fetchall()] == ["1", "2"]
    assert (target / "raw" / "orders" / LOADED_MARK).is_file()
    ORDERS.head(1).to_parquet(raw / "orders.parquet")
    assert load_spark(raw, target=target)["orders"] == 1
    # a directory the loader did not write is never replaced
    foreign = target / "raw" / "products"
    for path in foreign.iterdir():
        path.unlink()
    (foreign / "mine.txt").write_text("the user's")
    with pytest.raises(RawDataError, match=r"was not written by the loader"):
        load_spark(raw, target=target)
    assert (foreign / "mine.txt").read_text() == "the user's"
    assert duckdb.sql(f"select count(*) from read_parquet('{target}/raw/orders/*.parquet')").fetchall() == [(1,)]


def test_missing_required_column_names_the_file_and_column_and_writes_nothing(tmp_path: Path) -> None:
    CONTACTS.drop(columns=["created_at"]).to_csv(tmp_path / "contacts.csv", index=False)
    ORDERS.to_csv(tmp_path / "orders.csv", index=False)
    with pytest.raises(RawDataError, match=r"contacts\.csv is missing required column 'created_at'"):
        load_duckdb(tmp_path / "w.duckdb", tmp_path)
    assert tables(tmp_path / "w.duckdb") == {}


def test_missing_required_file_is_named(tmp_path: Path) -> None:
    CONTACTS.to_csv(tmp_path / "contacts.csv", index=False)
    with pytest.raises(RawDataError, match=r"required file orders\.csv \(or orders\.parquet\) not found"):
        load_duckdb(tmp_path / "w.duckdb", tmp_path)


def test_two_files_for_one_entity_are_refused(tmp_path: Path) -> None:
    CONTACTS.to_csv(tmp_path / "contacts.csv", index=False)
    CONTACTS.to_parquet(tmp_path / "contacts.parquet")
    ORDERS.to_csv(tmp_path / "orders.csv", index=False)
    with pytest.raises(RawDataError, match=r"both contacts\.parquet and contacts\.csv"):
        load_duckdb(tmp_path / "w.duckdb", tmp_path)


def test_command_line_reports_errors_and_unsupported_targets(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--raw-data-dir", str(tmp_path), "--duckdb-path", str(tmp_path / "w.duckdb")]) == 2
    assert "required file contacts.csv" in capsys.readouterr().err
    assert main(["--target", "snowflake"]) == 2
    assert "supported targets: duckdb, postgres, spark" in capsys.readouterr().err


def relation_kinds(database: Path) -> dict[str, str]:
    with duckdb.connect(str(database), read_only=True) as connection:
        return dict(connection.execute(
            "select table_name, table_type from information_schema.tables where table_schema = 'raw' "
            f"and table_name <> '{MALFORMED_LINES}'"
        ).fetchall())


def test_views_mode_makes_views_and_each_mode_replaces_the_other(tmp_path: Path) -> None:
    CONTACTS.to_csv(tmp_path / "contacts.csv", index=False)
    ORDERS.to_parquet(tmp_path / "orders.parquet")
    database = tmp_path / "w.duckdb"
    assert load_duckdb(database, tmp_path) == {
        "contact_tags": 0, "contacts": 2, "order_lines": 0, "orders": 2, "products": 0, "events": 0, MALFORMED_LINES: 0}
    assert set(relation_kinds(database).values()) == {"BASE TABLE"}

    rows = load_duckdb(database, tmp_path, as_views=True)
    assert rows.pop(MALFORMED_LINES) == 0 and set(rows.values()) == {None}, "views are not counted"
    assert set(relation_kinds(database).values()) == {"VIEW"}
    assert tables(database)["contacts"].contact_id.tolist() == ["c1", "c2"]

    load_duckdb(database, tmp_path)
    assert set(relation_kinds(database).values()) == {"BASE TABLE"}


def test_raw_load_mode_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    from orchestration.code_location.assets.raw import dbt_raw_source_mode, raw_load_mode

    monkeypatch.setenv("CUSTOMER_SEGMENTS_RAW_LOAD", "views")
    assert (raw_load_mode(), dbt_raw_source_mode()) == ("views", "files")
    monkeypatch.delenv("CUSTOMER_SEGMENTS_RAW_LOAD")
    assert (raw_load_mode(), dbt_raw_source_mode()) == ("tables", "tables")
    monkeypatch.setenv("CUSTOMER_SEGMENTS_RAW_LOAD", "copy")
    with pytest.raises(ValueError, match="CUSTOMER_SEGMENTS_RAW_LOAD='copy': expected one of tables, views"):
        raw_load_mode()


@pytest.mark.build
def test_dbt_files_mode_replaces_loaded_tables_with_views(workspace: Workspace) -> None:
    workspace.generate("--contacts", "50", "--orders", "100", "--events", "200")
    load_duckdb(workspace.database, workspace.raw)
    assert set(relation_kinds(workspace.database).values()) == {"BASE TABLE"}
    result = workspace.dbt("seed", select="currency_rates")
    assert result.ok, result.output[-3000:]
    assert "replacing the loaded table" in result.output
    assert set(relation_kinds(workspace.database).values()) == {"VIEW"}
