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
from dataclasses import dataclass

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
