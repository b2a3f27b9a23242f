"""CSV encodings DuckDB's reader does not decode itself.

DuckDB 2.0 reads UTF-8 and UTF-16; its `encodings` extension (for the rest)
cannot be installed offline, and its Latin-1 reader refuses the bytes
0x80-0x9F. Files in Latin-1 or Windows-1252 are therefore copied to UTF-8,
line for line, into a directory the project owns (beside the warehouse), and
DuckDB reads the copy. The user's file is only read.

Used by the dbt build (through the DuckDB function the profile's plugin
registers, orchestration/duckdb_plugin.py) and by the loader.
"""

from __future__ import annotations

import codecs
import hashlib
import os
from pathlib import Path

CHUNK_BYTES = 16 * 1024 * 1024
# The encodings read through a UTF-8 copy.
COPIED = ("latin-1", "windows-1252")


def _windows_1252_table() -> dict[int, str]:
    """Windows-1252 gives 27 of the bytes 0x80-0x9F printable characters
    (Python's codec says which); the five it leaves undefined (0x81, 0x8D,
    0x8F, 0x90, 0x9D) keep their code point, as in the WHATWG Encoding
    Standard's index, so every byte decodes."""
    table = {}
    for byte in range(0x80, 0xA0):
        try:
            table[byte] = bytes([byte]).decode("cp1252")
        except UnicodeDecodeError:
            continue
    return table


WINDOWS_1252 = _windows_1252_table()
# The character of each byte 0-255, for the C charmap decoder (a str.translate
# after a Latin-1 decode is ten times slower).
WINDOWS_1252_DECODING = "".join(WINDOWS_1252.get(byte, chr(byte)) for byte in range(256))


def decode(data: bytes, encoding: str) -> str:
    """Bytes of a single-byte encoding as text; every byte decodes."""
    if encoding == "windows-1252":
        return codecs.charmap_decode(data, "strict", WINDOWS_1252_DECODING)[0]
    return data.decode("latin-1")


def utf8_copy(source: Path, encoding: str, directory: Path) -> Path:
    """A UTF-8 copy of `source` (in `encoding`: latin-1 or windows-1252) in
    `directory`, named after the source's path so two files never share a
    copy. Lines and bytes below 0x80 are unchanged, so line numbers hold.
    Written to a temporary name and renamed, so a reader never sees half a
    copy; an unchanged copy is left as it is."""
    if encoding not in COPIED:
        raise ValueError(f"no UTF-8 copy for encoding {encoding!r}; copied: {', '.join(COPIED)}")
    directory.mkdir(parents=True, exist_ok=True)
    key = hashlib.sha256(f"{source.resolve()}|{encoding}".encode()).hexdigest()[:16]
    target = directory / f"{source.stem}-{key}{source.suffix}"
    partial = target.with_name(target.name + f".{os.getpid()}.partial")
    with source.open("rb") as reader, partial.open("w", encoding="utf-8", newline="") as writer:
        while chunk := reader.read(CHUNK_BYTES):
            writer.write(decode(chunk, encoding))
    if target.exists() and _same_bytes(target, partial):
        partial.unlink()
    else:
        partial.replace(target)
    return target


def _same_bytes(left: Path, right: Path) -> bool:
    if left.stat().st_size != right.stat().st_size:
        return False
    with left.open("rb") as a, right.open("rb") as b:
        while True:
            chunk = a.read(CHUNK_BYTES)
            if chunk != b.read(CHUNK_BYTES):
                return False
            if not chunk:
                return True
