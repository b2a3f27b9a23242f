"""The front door: a user's raw files are never touched, `make run` builds
them as they are (CSV and Parquet), and every malformed or hostile value ends
in quarantine with its reason or stops the build with a message naming the
file and the fix. docs/raw-data.md."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from conftest import PROJECT_DIR, MadeRun, Workspace
from orchestration import generator
from orchestration.loader import CsvDialect, RawDataError, load_duckdb

pytestmark = pytest.mark.build

AS_OF = "2026-06-30"
SMALL = ["--contacts", "300", "--orders", "1200", "--events", "3000", "--end-date", AS_OF, "--quiet"]


def fingerprint(directory: Path) -> dict[str, str]:
    """Every file of a directory (not below it) with the SHA-256 of its bytes."""
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(directory.iterdir())}


def users_directory(root: Path, file_format: str) -> Path:
    """Raw files as a user has them: written by the generator, then made the
    user's own (the generator's mark and manifest removed)."""
    raw = root / "shop"
    assert generator.main(["--out", str(raw), "--format", file_format, *SMALL]) == 0
    (raw / generator.MARKER).unlink()
    (raw / generator.MANIFEST).unlink()
    return raw


def make_run(raw: Path, database: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "RAW_DATA_DIR": str(raw),
        "DUCKDB_PATH": str(database),
        "PUBLISHED_DUCKDB_PATH": "",
        "AS_OF_DATE": AS_OF,
        "CUSTOMER_SEGMENTS_LOCK_TIMEOUT": "0",
    }
    return subprocess.run(
        ["make", "--no-print-directory", *extra, "run"], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=False
    )


def query(database: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(database), read_only=True) as connection:
        return connection.execute(sql).df()


def write_lines(path: Path, lines: list[str], encoding: str = "utf-8") -> None:
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))


def quoted(values: list[str]) -> str:
    return ",".join(f'"{value}"' for value in values)


@pytest.fixture(scope="module")
def shop_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One warehouse path for the `make run`s of this module, emptied before each: the profile then reads the same,
    and a later run reuses an earlier one's parse (dbt's partial_parse.msgpack in target/), as a user's second run does."""
    return tmp_path_factory.mktemp("shop") / "shop.duckdb"


def empty(database: Path) -> Path:
    for path in database.parent.glob(database.name + "*"):
        path.unlink()
    return database


def hostile_csv_directory(root: Path) -> tuple[Path, list[str]]:
    """A user's CSV files with hostile lines added: wrong field counts (also as the last line and far past
    DuckDB's sniffing sample), huge and over-precise amounts, implausible timestamps, an empty optional file and
    a BOM. Returns the directory and the orders file's lines after its header."""
    raw = users_directory(root, "csv")
    orders = (raw / "orders.csv").read_text().splitlines()
    header = orders[0]
    row = orders[1].split(",")
    hostile = [
        quoted(["OBIG", row[1].strip('"'), "2026-01-01T00:00:00", "completed", "EUR", "999999999999999.99", "", "", "", "web"]),
        quoted(["OHUGE", row[1].strip('"'), "2026-01-01T00:00:00", "completed", "GBP", "9999999999999999.99", "", "", "", "web"]),
        quoted(["OPREC", row[1].strip('"'), "2026-01-01T00:00:00", "completed", "EUR", "13.999", "", "", "", "web"]),
        quoted(["OPLN", row[1].strip('"'), "2026-01-01T00:00:00", "completed", "PLN", "394.74", "", "", "", "web"]),
        quoted(["OOLD", row[1].strip('"'), "0001-01-01T00:00:00", "completed", "EUR", "1.00", "", "", "", "web"]),
        quoted(["OZONE", row[1].strip('"'), "2026-01-01T00:00:00+15:00", "completed", "EUR", "1.00", "", "", "", "web"]),
        orders[2] + ',"one field too many"',
        ",".join(orders[3].split(",")[:-2]),
    ]
    body = orders[1:2] + hostile + orders[4:]
    body.append('"OLAST","' + row[1].strip('"') + '"')
    write_lines(raw / "orders.csv", [header, *body])
    (raw / "events.csv").write_bytes(b"")  # an empty optional file: no rows
    products = raw / "products.csv"
    products.write_bytes(b"\xef\xbb\xbf" + products.read_bytes())  # a UTF-8 BOM keeps working
    (raw / "contact_tags.csv").write_text((raw / "contact_tags.csv").read_text().splitlines()[0] + "\n")  # header only
    return raw, body


def test_make_run_builds_a_users_csv_files_and_leaves_them_byte_for_byte(hostile_csv_run: MadeRun) -> None:
    """CSV, the common case: the generator used to delete these files. Hostile
    lines are added: wrong field counts (also as the last line and far past
    DuckDB's sniffing sample), huge and over-precise amounts, implausible
    timestamps, an empty optional file and a BOM (the run is conftest's
    hostile_csv_run, which the PostgreSQL and Spark runs are compared with)."""
    result, raw, body, database = hostile_csv_run, hostile_csv_run.raw, hostile_csv_run.orders_lines, hostile_csv_run.database

    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    assert "Raw data found in" in result.stdout and "not generating" in result.stdout
    assert fingerprint(raw) == result.before, "make run changed, added or removed a file in the user's directory"
    counts = query(database, "select * from marts.raw_row_counts").set_index("entity")
    lines = {name: len((raw / f"{name}.csv").read_text(encoding="utf-8-sig").splitlines()) - 1 for name in counts.index}
    lines["events"] = 0
    assert counts.raw_rows.to_dict() == lines
    assert (counts.staged_rows + counts.rejected_rows == counts.raw_rows).all()
    rejected = query(database, "select * from marts.rejected_rows where entity = 'orders'")
    malformed = rejected[rejected.rejection_reason == "malformed_line"]
    # header = line 1; the two broken lines follow the 7 rows before them; the last line
    assert sorted(malformed.record_key) == sorted([f"orders.csv:{n}" for n in (9, 10, len(body) + 1)])
    assert all(json.loads(record)["line_text"] for record in malformed.raw_record)
    reasons = rejected.set_index("record_key").rejection_reason
    assert reasons["OHUGE"] == "out_of_range" and reasons["OPREC"] == "excess_precision"
    assert reasons["OOLD"] == "out_of_range" and reasons["OZONE"] == "out_of_range"
    amounts = query(
        database,
        "select order_id, cast(total_amount as varchar) as total_amount from marts.fct_orders "
        "where order_id in ('OBIG', 'OPLN')",
    )
    assert amounts.set_index("order_id").total_amount.astype(str).to_dict() == {
        "OBIG": "999999999999999.99",
        "OPLN": "91.38",  # 394.74 × 0.25 / 1.08 = 91.375, rounded once
    }
    assert query(database, "select count(*) as n from marts.dim_products").n.item() == counts.staged_rows["products"] > 0


def published_state(connection: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """What a reader sees: the publication record and every mart's row count."""
    relations = connection.execute(
        "select relation_name, row_count, cast(published_at as varchar) from publication.published_relations "
        "order by relation_name"
    ).fetchall()
    counted = {name: connection.execute(f"select count(*) from {name}").fetchone()[0] for name, _, _ in relations}
    raw_rows = connection.execute("select entity, raw_rows from marts.raw_row_counts order by entity").fetchall()
    return {"relations": relations, "counted": counted, "raw_rows": raw_rows}


def test_make_run_builds_a_users_parquet_files_and_leaves_them_byte_for_byte(
    tmp_path: Path, shop_warehouse: Path, hostile_csv_run: MadeRun
) -> None:
    """Also publish, then serve: a BI reader holds the file the CSV run published open during this whole
    `make run`; it keeps seeing that version, complete, the build passes, and a new connection sees the new one."""
    published = shop_warehouse.parent / "published" / shop_warehouse.name
    published_by_csv_run = hostile_csv_run.work / "published" / hostile_csv_run.database.name
    assert published_by_csv_run.is_file(), "the CSV run publishes the marts"
    published.parent.mkdir(exist_ok=True)
    shutil.copyfile(published_by_csv_run, published)  # served here, as if this warehouse's last run had published it
    reader = duckdb.connect(str(published), read_only=True)
    before = published_state(reader)
    seen: list[dict[str, object]] = []
    done = threading.Event()

    def keep_reading() -> None:
        while not done.is_set():
            seen.append(published_state(reader))
            done.wait(0.5)

    raw = users_directory(tmp_path, "parquet")
    files_before = fingerprint(raw)
    database = empty(shop_warehouse)
    polling = threading.Thread(target=keep_reading)
    polling.start()
    try:
        result = make_run(raw, database)
    finally:
        done.set()
        polling.join()
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    assert len(seen) > 10 and all(state == before for state in seen), "a reader saw the previous version change"
    assert before["counted"] == {name: rows for name, rows, _ in before["relations"]}
    assert published_state(reader) == before
    reader.close()
    assert fingerprint(raw) == files_before
    with duckdb.connect(str(published), read_only=True) as fresh:
        after = published_state(fresh)
    assert after["raw_rows"] != before["raw_rows"], "the new version is served to new connections"
    with duckdb.connect(str(database), read_only=True) as working:
        assert after["counted"] == {name: working.execute(f"select count(*) from {name}").fetchone()[0]
                                    for name in after["counted"]}  # fmt: skip
    counts = query(database, "select * from marts.raw_row_counts").set_index("entity")
    for entity, raw_rows in counts.raw_rows.items():
        assert raw_rows == len(pd.read_parquet(raw / f"{entity}.parquet"))
    assert counts.is_reconciled.all()
    # a README metric query, as a user types it, on what was just published
    metric = subprocess.run(
        ["make", "--no-print-directory", "metrics", "ARGS=--metrics revenue,customers --group-by contact__persona"],
        cwd=PROJECT_DIR, env={**os.environ, "DUCKDB_PATH": str(database), "PUBLISHED_DUCKDB_PATH": ""},
        capture_output=True, text=True, check=False,
    )
    assert metric.returncode == 0, metric.stdout + metric.stderr
    champions = query(database, "select * from marts.rfm_persona_summary where persona = 'Champions'").iloc[0]
    line = next(line for line in metric.stdout.splitlines() if line.strip().startswith("Champions"))
    assert line.split()[1:] == [f"{champions.revenue:,.2f}", f"{champions.customers:,}"], line


def test_a_failed_build_publishes_nothing(tmp_path: Path, shop_warehouse: Path) -> None:
    """The Parquet run (the test before) published; a build that stops leaves that version served."""
    published = shop_warehouse.parent / "published" / shop_warehouse.name
    before = published.stat()
    raw = users_directory(tmp_path, "csv")
    (raw / "orders.csv").write_bytes(b"")
    result = make_run(raw, empty(shop_warehouse))
    assert result.returncode != 0 and "orders.csv is empty" in result.stdout + result.stderr
    assert "published" not in result.stdout
    after = published.stat()
    assert (after.st_ino, after.st_mtime_ns, after.st_size) == (before.st_ino, before.st_mtime_ns, before.st_size)


def test_make_run_refuses_a_directory_it_does_not_own_and_touches_nothing(tmp_path: Path) -> None:
    raw = tmp_path / "mine"
    raw.mkdir()
    (raw / "notes.txt").write_text("my notes")
    (raw / "Contacts.CSV.bak").write_text("contact_id\n1\n")
    before = fingerprint(raw)
    result = make_run(raw, tmp_path / "w.duckdb")
    assert result.returncode != 0
    assert f"{raw} is not empty and was not written by the sample generator" in result.stderr
    assert "Contacts.CSV.bak, notes.txt" in result.stderr
    assert fingerprint(raw) == before
    assert not (tmp_path / "w.duckdb").exists()


def test_the_generator_replaces_only_its_own_files(tmp_path: Path) -> None:
    out = tmp_path / "sample"
    assert generator.main(["--out", str(out), "--format", "csv", *SMALL]) == 0
    (out / "notes.txt").write_text("mine")
    assert generator.main(["--out", str(out), "--format", "parquet", *SMALL]) == 0
    names = set(fingerprint(out))
    assert "notes.txt" in names and "orders.parquet" in names and "orders.csv" not in names
    # a directory with raw data and no mark: --unless-raw-data leaves it, without it the generator refuses
    (out / generator.MARKER).unlink()
    before = fingerprint(out)
    assert generator.main(["--out", str(out), "--unless-raw-data", *SMALL]) == 0
    assert generator.main(["--out", str(out), *SMALL]) == 2
    assert fingerprint(out) == before


def test_as_of_date_is_checked_before_it_reaches_a_shell(tmp_path: Path) -> None:
    marker = tmp_path / "injected"
    env = {**os.environ, "AS_OF_DATE": f"2026-01-01\"}}' --help >/dev/null; touch {marker}; echo '"}
    result = subprocess.run(["make", "--no-print-directory", "build"], cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    assert result.returncode == 2 and "AS_OF_DATE must be a date YYYY-MM-DD" in result.stderr
    assert not marker.exists()
    for value in ("2026-02-30", "26-01-01", "2026-1-1"):
        bad = subprocess.run(
            ["make", "--no-print-directory", "build"], cwd=PROJECT_DIR, env={**os.environ, "AS_OF_DATE": value},
            capture_output=True, text=True,
        )
        assert bad.returncode == 2 and "must be a date" in bad.stderr, value


# --- raw files the build cannot read as they are: one line naming the file and the fix ---------------------


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    raw = tmp_path_factory.mktemp("sample") / "raw"
    assert generator.main(["--out", str(raw), "--format", "csv", *SMALL]) == 0
    return raw


def workspace_with(tmp_path: Path, sample: Path, changes: dict[str, bytes]) -> Workspace:
    workspace = Workspace(tmp_path)
    workspace.raw.mkdir()
    for path in sample.glob("*.csv"):
        (workspace.raw / path.name).write_bytes(path.read_bytes())
    for name, content in changes.items():
        (workspace.raw / name).write_bytes(content)
    return workspace


def latin1_contacts(sample: Path) -> bytes:
    lines = (sample / "contacts.csv").read_text().splitlines()
    fields = lines[1].split(",")
    fields[2] = '"Zoë"'
    return ("\n".join([lines[0], ",".join(fields), *lines[2:]]) + "\n").encode("latin-1")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("latin1", "contacts.csv is not valid utf-8 (|line(s), the first at line 2). Say which encoding it has "
                   "with var raw_csv_encodings: {contacts: windows-1252}"),
        ("empty_required", "raw data: required file {raw}/orders.csv is empty (0 bytes)"),
        ("duplicate_header", "orders.csv has column 'status' more than once in its header (columns 4 and 11)"),
        ("semicolons", "orders.csv has no ',' in its header but has ';': its columns are separated by ';'. Set var "
                       "raw_csv_delimiter to that character"),
        ("bad_encoding_var", "var raw_csv_encoding: unsupported CSV encoding 'shift_jis'; supported: utf-8"),
    ],
)
def test_an_unreadable_raw_file_stops_the_build_naming_it(tmp_path: Path, sample: Path, name: str, message: str) -> None:
    orders = (sample / "orders.csv").read_text().splitlines()
    changes = {
        "latin1": {"contacts.csv": latin1_contacts(sample)},
        "empty_required": {"orders.csv": b""},
        "duplicate_header": {"orders.csv": ("\n".join(
            [orders[0] + ',"STATUS"'] + [line + ',"x"' for line in orders[1:]]
        ) + "\n").encode()},
        "semicolons": {"orders.csv": ("\n".join(line.replace(",", ";") for line in orders) + "\n").encode()},
        "bad_encoding_var": {},
    }[name]
    workspace = workspace_with(tmp_path, sample, changes)
    build_vars = {"as_of_date": AS_OF, **({"raw_csv_encoding": "shift_jis"} if name == "bad_encoding_var" else {})}
    result = workspace.dbt("run", "--select", "base_crm__contacts_validated", vars=build_vars)
    assert not result.ok
    for part in message.replace("{raw}", str(workspace.raw)).split("|"):
        assert part in result.output
    assert "Traceback" not in result.output


# Validating the contacts file alone: the model and the seed it reads.
CONTACTS_VALIDATED = (
    "build", "--select", "subscription_statuses base_crm__contacts_validated",
    "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test",
)


def test_a_declared_encoding_reads_the_file(tmp_path: Path, sample: Path) -> None:
    workspace = workspace_with(tmp_path, sample, {"contacts.csv": latin1_contacts(sample)})
    result = workspace.dbt(
        *CONTACTS_VALIDATED,
        vars={"as_of_date": AS_OF, "raw_csv_encodings": {"contacts": "latin-1"}},
    )
    assert result.ok, result.output[-3000:]
    names = workspace.query("select count(*) as n from staging.base_crm__contacts_validated where first_name = 'Zoë'")
    assert names.n.item() == 1


# Every byte Windows-1252 gives a character of its own (0x80-0x9F), then some
# it shares with latin-1; the undefined 0x81 keeps its code point (WHATWG).
UNDEFINED_IN_WINDOWS_1252 = {0x81, 0x8D, 0x8F, 0x90, 0x9D}
WINDOWS_1252_NAME = (
    bytes(byte for byte in range(0x80, 0xA0) if byte not in UNDEFINED_IN_WINDOWS_1252) + "Zoë".encode("latin-1") + b"\x81"
)


def windows_1252_contacts(sample: Path) -> bytes:
    lines = (sample / "contacts.csv").read_bytes().splitlines()
    fields = lines[1].split(b",")
    fields[2] = b'"' + WINDOWS_1252_NAME + b'"'
    malformed = b'"\x80 too few fields"'
    return b"\n".join([lines[0], b",".join(fields), *lines[2:], malformed]) + b"\n"


def test_a_windows_1252_file_reads_as_windows_1252_in_the_build_and_the_loader(tmp_path: Path, sample: Path) -> None:
    expected = WINDOWS_1252_NAME[:-1].decode("cp1252") + "\x81"
    assert len(expected) == 27 + 3 + 1 and "€" in expected and "Ÿ" in expected
    workspace = workspace_with(tmp_path, sample, {"contacts.csv": windows_1252_contacts(sample)})
    result = workspace.dbt(
        *CONTACTS_VALIDATED,
        vars={"as_of_date": AS_OF, "raw_csv_encodings": {"contacts": "windows-1252"}},
    )
    assert result.ok, result.output[-3000:]
    built = workspace.query("select first_name from raw.contacts where first_name like '€%'")
    assert list(built.first_name) == [expected]
    line = workspace.query("select line_text from raw.raw_file_malformed_lines where entity = 'contacts'")
    assert list(line.line_text) == ['"€ too few fields"']

    loaded = tmp_path / "loaded.duckdb"
    load_duckdb(loaded, workspace.raw, dialect=CsvDialect(",", "windows-1252"))
    assert list(query(loaded, "select first_name from raw.contacts where first_name like '€%'").first_name) == [expected]
    assert list(query(loaded, "select line_text from raw.raw_file_malformed_lines").line_text) == ['"€ too few fields"']


def test_the_loader_quarantines_the_same_malformed_lines(tmp_path: Path, sample: Path) -> None:
    orders = (sample / "orders.csv").read_text().splitlines()
    broken = [orders[0], orders[1] + ',"extra"', *orders[2:], '"O-LAST"']
    workspace = workspace_with(tmp_path, sample, {"orders.csv": ("\n".join(broken) + "\n").encode()})
    rows = load_duckdb(workspace.database, workspace.raw)
    assert rows["orders"] == len(orders) - 1 - 1
    lines = workspace.query("select file_name, line_number, error_type from raw.raw_file_malformed_lines order by 2")
    assert list(lines.line_number) == [2, len(broken)] and set(lines.file_name) == {"orders.csv"}
    (workspace.raw / "contacts.csv").write_bytes(latin1_contacts(sample))
    with pytest.raises(RawDataError, match=r"contacts\.csv is not valid utf-8"):
        load_duckdb(tmp_path / "other.duckdb", workspace.raw)
    (workspace.raw / "contacts.csv").write_bytes((sample / "contacts.csv").read_bytes())
    (workspace.raw / "orders.csv").write_bytes(b"")
    with pytest.raises(RawDataError, match=r"required file .*orders\.csv is empty \(0 bytes\)"):
        load_duckdb(tmp_path / "other.duckdb", workspace.raw)


def test_a_second_writer_waits_then_says_who_holds_the_warehouse(tmp_path: Path) -> None:
    database = tmp_path / "held.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(database)!r}); print('ready', flush=True); "
         "time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        env = {**os.environ, "DUCKDB_PATH": str(database), "CUSTOMER_SEGMENTS_LOCK_TIMEOUT": "1"}
        for command in (["-m", "orchestration.dbt_gate", "build"], ["-m", "orchestration.publish"],
                        ["-m", "orchestration.loader", "--duckdb-path", str(database)]):
            result = subprocess.run([sys.executable, *command], cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
            assert result.returncode == 3, result.stderr
            last = result.stderr.strip().splitlines()[-1]
            assert f"The warehouse {database} is in use by process {holder.pid} ({sys.executable}" in last
            assert "Let that command finish (or stop it), then run this again" in last
            assert "Traceback" not in result.stderr
    finally:
        holder.kill()
        holder.wait()
