"""The PostgreSQL target's connection settings, one definition for the dbt
profile's defaults, the loader, the local server and the tests.

Every setting comes from an environment variable with a default (the dbt
profile reads the same variables with the same defaults):

| variable | default | what |
|---|---|---|
| PGHOST | 127.0.0.1 | server address |
| PGPORT | 55432 | server port (`make postgres-up` listens there) |
| PGDATABASE | customer_segments | database |
| PGUSER | customer_segments | the role dbt builds as (owns the schemas) |
| PGPASSWORD | customer_segments | its password (a local server's default; set your own elsewhere) |
| BI_ROLE | bi_reader | the role BI tools log in as: marts only, read only |
| BI_PASSWORD | bi_reader | its password (`make postgres-up` creates the role with it) |
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

DEFAULTS = {
    "PGHOST": "127.0.0.1",
    "PGPORT": "55432",
    "PGDATABASE": "customer_segments",
    "PGUSER": "customer_segments",
    "PGPASSWORD": "customer_segments",
    "BI_ROLE": "bi_reader",
    "BI_PASSWORD": "bi_reader",
}


def setting(name: str) -> str:
    return os.environ.get(name) or DEFAULTS[name]


@dataclass(frozen=True)
class Login:
    host: str
    port: int
    database: str
    user: str
    password: str

    def connect(self, **options: object):
        """A psycopg2 connection. The session time zone is UTC on every
        connection (the project's rule for naive timestamps)."""
        import psycopg2

        return psycopg2.connect(
            host=self.host,
            port=self.port,
            dbname=self.database,
            user=self.user,
            password=self.password,
            options="-c timezone=UTC",
            connect_timeout=10,
            **options,
        )

    def describe(self) -> str:
        return f"{self.user}@{self.host}:{self.port}/{self.database}"


def builder_login() -> Login:
    """The role dbt builds as."""
    return Login(setting("PGHOST"), int(setting("PGPORT")), setting("PGDATABASE"), setting("PGUSER"), setting("PGPASSWORD"))


def bi_login() -> Login:
    """The read-only role BI tools use."""
    return Login(setting("PGHOST"), int(setting("PGPORT")), setting("PGDATABASE"), setting("BI_ROLE"), setting("BI_PASSWORD"))


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# PostgreSQL column types as DuckDB types, for mirror(): information_schema's data_type.
DUCKDB_TYPES = {
    "double precision": "double",
    "real": "float",
    "integer": "integer",
    "bigint": "bigint",
    "smallint": "smallint",
    "boolean": "boolean",
    "date": "date",
    "timestamp without time zone": "timestamp",
    "timestamp with time zone": "timestamptz",
    "text": "varchar",
    "character varying": "varchar",
    "character": "varchar",
}


def duckdb_type(data_type: str, precision: int | None, scale: int | None) -> str:
    if data_type == "numeric":
        return f"decimal({precision}, {scale})" if precision else "decimal(38, 10)"
    return DUCKDB_TYPES.get(data_type, "varchar")


def mirror(login: Login, schemas: tuple[str, ...], database: Path) -> dict[str, int]:
    """Copies every table and view of `schemas` on the server, with its column types
    and comments, into the DuckDB file `database` (created; it must not
    exist): what the project's readers (publish, summary, export, Great
    Expectations, the dashboard) read, whatever engine built the marts. Each
    table travels as CSV (COPY ... TO STDOUT, every value quoted, so that a
    null and an empty string stay apart) inside one repeatable-read snapshot:
    the tables are of one build even while another one runs."""
    import duckdb

    copied: dict[str, int] = {}
    connection = login.connect()
    connection.set_session(isolation_level="REPEATABLE READ", readonly=True)
    try:
        with connection.cursor() as cursor, duckdb.connect(str(database)) as mirror_db, tempfile.TemporaryDirectory() as work:
            cursor.execute(
                "select c.table_schema, c.table_name, c.column_name, c.data_type, c.numeric_precision, c.numeric_scale, "
                "col_description(format('%%I.%%I', c.table_schema, c.table_name)::regclass, c.ordinal_position) "
                "from information_schema.columns as c join information_schema.tables as t "
                "on t.table_schema = c.table_schema and t.table_name = c.table_name "
                "where t.table_type in ('BASE TABLE', 'VIEW') and c.table_schema = any(%s) order by 1, 2, c.ordinal_position",
                [list(schemas)],
            )
            tables: dict[tuple[str, str], list[tuple[str, str, str | None]]] = {}
            for schema, table, column, data_type, precision, scale, comment in cursor.fetchall():
                tables.setdefault((schema, table), []).append((column, duckdb_type(data_type, precision, scale), comment))
            for schema in sorted({schema for schema, _ in tables}):
                mirror_db.execute(f"create schema if not exists {quote_identifier(schema)}")
            for (schema, table), columns in tables.items():
                name = f"{quote_identifier(schema)}.{quote_identifier(table)}"
                staged = Path(work) / "table.csv"
                with staged.open("wb") as out:
                    cursor.copy_expert(f"copy (select * from {name}) to stdout with (format csv, force_quote *)", out)
                types = "{" + ", ".join(f"{quote_literal(column)}: {quote_literal(kind)}" for column, kind, _ in columns) + "}"
                mirror_db.execute(
                    f"create table {name} as select * from read_csv({quote_literal(str(staged))}, header = false, "
                    f"columns = {types}, quote = '\"', escape = '\"', allow_quoted_nulls = false, auto_detect = false)"
                )
                cursor.execute("select obj_description(%s::regclass)", [f"{schema}.{table}"])
                table_comment = cursor.fetchone()[0]
                if table_comment:
                    mirror_db.execute(f"comment on table {name} is {quote_literal(table_comment)}")
                for column, _, comment in columns:
                    if comment:
                        mirror_db.execute(f"comment on column {name}.{quote_identifier(column)} is {quote_literal(comment)}")
                copied[f"{schema}.{table}"] = mirror_db.execute(f"select count(*) from {name}").fetchone()[0]
    finally:
        connection.close()
    return copied
