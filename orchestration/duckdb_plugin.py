"""The dbt-duckdb plugin of the project's profile (profiles.yml).

Registers one DuckDB function on every connection dbt opens:
`customer_segments_utf8_copy(path, encoding)` makes the UTF-8 copy of a
Latin-1 or Windows-1252 CSV file (orchestration/lib/raw_encodings.py) in the
directory `<warehouse file>.utf8/` and returns the copy's path. The raw-files
hook (macros/staging/create_raw_relations.sql) reads that copy.
"""

from __future__ import annotations

from pathlib import Path

from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection

from orchestration.lib.raw_encodings import utf8_copy

FUNCTION = "customer_segments_utf8_copy"


class Plugin(BasePlugin):
    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        database = Path(self.creds.path if self.creds is not None and self.creds.path else "warehouse.duckdb")
        # absolute: the raw views store the copy's path, and are read from other directories too
        directory = database.absolute().with_name(database.name + ".utf8")

        def copy(path: str, encoding: str) -> str:
            return str(utf8_copy(Path(path), encoding, directory))

        conn.create_function(FUNCTION, copy, ["VARCHAR", "VARCHAR"], "VARCHAR", side_effects=True)
