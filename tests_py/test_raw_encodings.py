"""The UTF-8 copies of Latin-1 and Windows-1252 files (orchestration/lib/raw_encodings.py)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from orchestration.lib.raw_encodings import CHUNK_BYTES, decode, utf8_copy

UNDEFINED_IN_WINDOWS_1252 = [0x81, 0x8D, 0x8F, 0x90, 0x9D]


def test_windows_1252_decodes_as_pythons_codec_and_keeps_its_five_undefined_bytes() -> None:
    defined = bytes(byte for byte in range(256) if byte not in UNDEFINED_IN_WINDOWS_1252)
    assert decode(defined, "windows-1252") == defined.decode("cp1252")
    assert decode(bytes(UNDEFINED_IN_WINDOWS_1252), "windows-1252") == "".join(map(chr, UNDEFINED_IN_WINDOWS_1252))
    assert decode(b"\x80\x93quoted\x94 caf\xe9", "windows-1252") == "€“quoted” café"
    assert decode(bytes(range(256)), "latin-1") == "".join(map(chr, range(256)))


@pytest.mark.parametrize("encoding", ["latin-1", "windows-1252"])
def test_the_copy_is_utf8_line_for_line_and_the_source_is_untouched(tmp_path: Path, encoding: str) -> None:
    source = tmp_path / "shop" / "contacts.csv"
    source.parent.mkdir()
    # Longer than one chunk: the copy is written chunk by chunk.
    body = b"id,name\r\n" + b"".join(b"%d,Ren\xe9e \x80%d\r\n" % (n, n) for n in range(CHUNK_BYTES // 16 + 7))
    source.write_bytes(body)
    before = hashlib.sha256(body).hexdigest()
    copy = utf8_copy(source, encoding, tmp_path / "warehouse.duckdb.utf8")
    assert copy.parent == tmp_path / "warehouse.duckdb.utf8"
    text = copy.read_bytes().decode("utf-8")
    expected = body.decode("cp1252" if encoding == "windows-1252" else "latin-1")
    assert text == expected and text.count("\r\n") == body.count(b"\r\n")
    assert hashlib.sha256(source.read_bytes()).hexdigest() == before
    modified = copy.stat().st_mtime_ns
    assert utf8_copy(source, encoding, copy.parent) == copy and copy.stat().st_mtime_ns == modified
    assert list(copy.parent.iterdir()) == [copy]


def test_an_encoding_without_a_copy_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "a.csv"
    source.write_text("a\n")
    with pytest.raises(ValueError, match="no UTF-8 copy for encoding 'utf-16'"):
        utf8_copy(source, "utf-16", tmp_path / "copies")
