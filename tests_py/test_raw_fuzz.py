"""Fuzzing the front door: random corruptions of small raw CSV files never end
in an unhandled error. Either staging builds and, for every entity, raw rows
(malformed lines included) = staged rows + rejected rows (the
raw_rows_reconcile tests), or the build stops with a message that names the
file. dbt runs in process on a manifest parsed once, so an example costs a
staging build, not a dbt start; the example count is bounded."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from conftest import PROJECT_DIR, ParseFailure, parsed_manifest
from orchestration import generator

pytestmark = pytest.mark.build

ENTITIES = ["contacts", "contact_tags", "orders", "order_lines", "products", "events"]
KINDS = ["truncate", "quote", "delimiter", "bytes", "huge_number", "timestamp", "duplicate_header", "empty", "blank_lines"]
ODD_TIMESTAMPS = ["0001-01-01T00:00:00", "2024-01-01T00:00:00+15:00", "9999-12-31T23:59:59", "2024-02-30", "1e3", ""]


@dataclass
class Fuzz:
    root: Path
    pristine: Path
    manifest: Any

    @property
    def raw(self) -> Path:
        return self.root / "raw"

    def build(self) -> tuple[bool, list[str]]:
        """dbt build of the staging layer (models and data tests) on the current
        raw files: whether it passed, and every message it gave."""
        from dbt.cli.main import dbtRunner

        result = dbtRunner(manifest=self.manifest).invoke([
            "build", "--select", "staging", "--exclude-resource-type", "unit_test",
            "--vars", "{as_of_date: '2026-06-30', max_rejected_share: 1}",
            "--target-path", str(self.root / "target"), "--log-path", str(self.root / "logs"), "--quiet",
        ])
        messages = [str(result.exception)] if result.exception else []
        for node in getattr(result.result, "results", None) or []:
            if str(node.status) not in ("success", "pass"):
                messages.append(f"{node.node.name}: {node.status}: {node.message}")
        return result.success, messages


@pytest.fixture(scope="module")
def fuzz(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzz]:
    from dbt.cli.main import dbtRunner

    root = tmp_path_factory.mktemp("fuzz")
    pristine = root / "pristine"
    assert generator.main([
        "--out", str(pristine), "--format", "csv", "--quiet", "--end-date", "2026-06-30",
        "--contacts", "40", "--orders", "120", "--events", "200", "--products", "20", "--bad-row-rate", "0",
    ]) == 0
    saved = dict(os.environ)
    os.environ.update({
        "RAW_DATA_DIR": str(root / "raw"),
        "DUCKDB_PATH": str(root / "warehouse.duckdb"),
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "DBT_PROJECT_DIR": str(PROJECT_DIR),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    })
    # the worker's parse of the project (the warehouse's file name is part of the parsed relations)
    manifest = parsed_manifest(PROJECT_DIR, "warehouse.duckdb")
    assert not isinstance(manifest, ParseFailure), manifest
    state = Fuzz(root, pristine, manifest)
    shutil.copytree(pristine, state.raw)  # the on-run-start hooks read the raw files
    seeded = dbtRunner(manifest=state.manifest).invoke(
        ["seed", "--target-path", str(root / "target"), "--log-path", str(root / "logs"), "--quiet"]
    )
    assert seeded.success, seeded.exception
    yield state
    os.environ.clear()
    os.environ.update(saved)


def corrupt(data: st.DataObject, content: bytes) -> bytes:
    """One corruption of a CSV file's bytes, drawn by hypothesis."""
    lines = content.split(b"\n")
    kind = data.draw(st.sampled_from(KINDS), label="kind")
    body = max(len(lines) - 2, 1)  # lines[-1] is empty: the text after the last newline
    at = data.draw(st.integers(1, body), label="line")
    line = lines[at] if at < len(lines) else b""
    if kind == "truncate":
        lines[at] = line[: data.draw(st.integers(0, max(len(line) - 1, 0)), label="cut")]
    elif kind in ("quote", "delimiter", "bytes"):
        insert = {"quote": b'"', "delimiter": b","}.get(kind) or data.draw(st.binary(min_size=1, max_size=12), label="noise")
        position = data.draw(st.integers(0, len(line)), label="position")
        lines[at] = line[:position] + insert + line[position:]
    elif kind in ("huge_number", "timestamp"):
        fields = line.split(b",")
        field = data.draw(st.integers(0, max(len(fields) - 1, 0)), label="field")
        values = ["9" * 30, "1e30", "-0.000001", "99999999999999999.99", "NaN"] if kind == "huge_number" else ODD_TIMESTAMPS
        fields[field] = b'"' + data.draw(st.sampled_from(values), label="value").encode() + b'"'
        lines[at] = b",".join(fields)
    elif kind == "duplicate_header":
        names = lines[0].split(b",")
        if len(names) > 1:
            names[data.draw(st.integers(1, len(names) - 1), label="column")] = names[0]
        lines[0] = b",".join(names)
    elif kind == "empty":
        return b""
    else:
        lines.insert(at, b"")
    return b"\n".join(lines)


def check(fuzz: Fuzz, entity: str, content: bytes) -> None:
    shutil.rmtree(fuzz.raw, ignore_errors=True)
    shutil.copytree(fuzz.pristine, fuzz.raw)
    (fuzz.raw / f"{entity}.csv").write_bytes(content)
    passed, messages = fuzz.build()
    if passed:
        return  # staging and its data tests passed: raw = staged + rejected for every entity
    named = [message for message in messages if f"{entity}.csv" in message]
    assert named, f"{entity}.csv: the build stopped without naming the file:\n" + "\n".join(messages)[-3000:]
    assert not any("Traceback" in message for message in messages), "\n".join(messages)[-3000:]


# No shrinking: each example is a staging build; a failure is reported as drawn.
@settings(
    max_examples=5,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    database=None,
    phases=[Phase.explicit, Phase.generate],
)
@given(data=st.data(), entity=st.sampled_from(ENTITIES))
# Seeds of failures found so far, kept as regular cases: the last line cut mid-field without a newline.
@example(data=None, entity="orders")
def test_corrupted_raw_files_are_quarantined_or_named(fuzz: Fuzz, data: st.DataObject | None, entity: str) -> None:
    content = (fuzz.pristine / f"{entity}.csv").read_bytes()
    check(fuzz, entity, content.rstrip(b"\n")[:-7] if data is None else corrupt(data, content))
