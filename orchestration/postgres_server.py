"""A local PostgreSQL server for the `postgres` target, inside the project.

`python -m orchestration.postgres_server up` (`make postgres-up`):
- finds PostgreSQL's server programs (Debian's `postgresql` package; installed
  with apt-get when missing and this runs as root, else a message says how);
- creates a cluster in POSTGRES_DATA_DIR (default `warehouse/postgres/`) on
  first use: listening on PGHOST (127.0.0.1) at PGPORT (55432) only, its
  socket in that directory, password logins, time zone UTC;
- starts it, creates the database PGDATABASE owned by PGUSER (the role dbt
  builds as, the cluster's superuser) and the login role BI_ROLE with
  BI_PASSWORD, which the build grants the marts to and nothing else.

`down` stops it; `status` says whether it runs. No system-wide service is
started or changed. A server run by root runs as the `postgres` system user
(PostgreSQL refuses root), which then owns the cluster's directory.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from orchestration.lib import postgres
from orchestration.lib.warehouse import PROJECT_DIR

DEFAULT_DATA_DIR = "warehouse/postgres"
SERVER_USER = "postgres"


class ServerError(Exception):
    """The server cannot be set up or started; the message says why and what to do."""


def data_dir() -> Path:
    """POSTGRES_DATA_DIR, default warehouse/postgres in the project. Run by root
    in a project whose parent directories the postgres user may not enter
    (a clone under /root, say), the default moves to /var/tmp, one directory
    per project, and says so."""
    configured = os.environ.get("POSTGRES_DATA_DIR")
    value = Path(configured or DEFAULT_DATA_DIR)
    value = value if value.is_absolute() else (PROJECT_DIR / value)
    if configured or os.geteuid() != 0 or enterable_by_others(value):
        return value
    digest = hashlib.sha256(str(PROJECT_DIR).encode()).hexdigest()[:12]
    return Path("/var/tmp") / f"customer_segments_postgres_{digest}"


def enterable_by_others(path: Path) -> bool:
    """Whether every existing parent of `path` lets other users through (o+x)."""
    return all(parent.stat().st_mode & stat.S_IXOTH for parent in path.resolve().parents if parent.exists())


def server_bin() -> Path | None:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    if candidates:
        return candidates[-1].parent
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


def install_server() -> Path:
    """Debian's server package, when this runs as root; else a message."""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise ServerError(
            "PostgreSQL's server programs (initdb, pg_ctl) were not found. Install them "
            "(Debian/Ubuntu: sudo apt-get install postgresql), then run make postgres-up again."
        )
    print("postgres: installing Debian's postgresql package (apt-get)", flush=True)
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "postgresql"]):
        subprocess.run(command, check=True, env=environment, stdout=subprocess.DEVNULL)
    found = server_bin()
    if found is None:
        raise ServerError("apt-get installed postgresql but pg_ctl is still not found under /usr/lib/postgresql")
    return found


def as_server_user(command: list[str]) -> list[str]:
    """PostgreSQL will not run as root: root runs it as the postgres system user."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", SERVER_USER, "--", *command]


def prepare_directory(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        return
    try:
        account = pwd.getpwnam(SERVER_USER)
    except KeyError as error:
        raise ServerError(
            f"running as root needs the '{SERVER_USER}' system user (Debian's postgresql package makes it)"
        ) from error
    for path in [directory, *directory.rglob("*")]:
        os.chown(path, account.pw_uid, account.pw_gid)
    reachable = subprocess.run(["runuser", "-u", SERVER_USER, "--", "test", "-w", str(directory)], check=False)
    if reachable.returncode != 0:
        raise ServerError(
            f"the '{SERVER_USER}' user cannot reach {directory} (a parent directory is closed to other users); "
            "set POSTGRES_DATA_DIR to a directory it can reach, e.g. /var/tmp/customer_segments_postgres"
        )


def is_running(bin_dir: Path, cluster: Path) -> bool:
    if not (cluster / "PG_VERSION").is_file():
        return False
    status = subprocess.run(
        as_server_user([str(bin_dir / "pg_ctl"), "-D", str(cluster), "status"]), capture_output=True, check=False
    )
    return status.returncode == 0


def initialise(bin_dir: Path, directory: Path, cluster: Path) -> None:
    login = postgres.builder_login()
    with tempfile.NamedTemporaryFile("w", dir=directory, delete=False) as password_file:
        password_file.write(login.password + "\n")
    try:
        prepare_directory(directory)
        subprocess.run(
            as_server_user([
                str(bin_dir / "initdb"),
                "-D", str(cluster),
                "-U", login.user,
                f"--pwfile={password_file.name}",
                "--auth-local=scram-sha-256",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ]),
            check=True,
            stdout=subprocess.DEVNULL,
        )
    finally:
        Path(password_file.name).unlink(missing_ok=True)
    settings = {
        "listen_addresses": login.host,
        "port": str(login.port),
        "unix_socket_directories": str(directory),
        "timezone": "UTC",
        "log_timezone": "UTC",
        # JIT compiles the models' wide expressions for minutes (DECISIONS.md); the build's sessions turn it
        # off too, for servers not made here.
        "jit": "off",
    }
    with (cluster / "postgresql.conf").open("a", encoding="utf-8") as conf:
        conf.write("\n# customer_segments (orchestration/postgres_server.py)\n")
        for name, value in settings.items():
            conf.write(f"{name} = {postgres.quote_literal(value)}\n")
    print(f"postgres: created a cluster in {cluster}", flush=True)


def create_database_and_roles() -> None:
    login = postgres.builder_login()
    bi = postgres.bi_login()
    admin = postgres.Login(login.host, login.port, "postgres", login.user, login.password)
    connection = admin.connect()
    connection.autocommit = True  # CREATE DATABASE runs outside a transaction
    try:
        cursor = connection.cursor()
        cursor.execute("select 1 from pg_database where datname = %s", [login.database])
        if cursor.fetchone() is None:
            owner = postgres.quote_identifier(login.user)
            cursor.execute(f"create database {postgres.quote_identifier(login.database)} owner {owner}")
            print(f"postgres: created database {login.database}", flush=True)
        cursor.execute("select 1 from pg_roles where rolname = %s", [bi.user])
        verb = "alter" if cursor.fetchone() else "create"
        cursor.execute(
            f"{verb} role {postgres.quote_identifier(bi.user)} with login nosuperuser nocreatedb nocreaterole "
            f"password {postgres.quote_literal(bi.password)}"
        )
        restrict_database(cursor, login.database, bi.user)
    finally:
        connection.close()


def restrict_database(cursor: Any, database: str, bi_role: str) -> None:
    """The BI role may connect to `database` and reads what the build grants
    it; no role gets the defaults PUBLIC has there (temporary tables,
    connecting)."""
    quoted = postgres.quote_identifier(database)
    cursor.execute(f"revoke all on database {quoted} from public")
    cursor.execute(f"grant connect on database {quoted} to {postgres.quote_identifier(bi_role)}")


def wait_for_server(seconds: float = 30) -> None:
    login = postgres.builder_login()
    admin = postgres.Login(login.host, login.port, "postgres", login.user, login.password)
    deadline = time.monotonic() + seconds
    while True:
        try:
            admin.connect().close()
            return
        except Exception as error:
            if time.monotonic() > deadline:
                raise ServerError(f"the server did not accept connections at {login.host}:{login.port}: {error}") from error
            time.sleep(0.3)


def up() -> None:
    bin_dir = server_bin() or install_server()
    directory = data_dir()
    if not directory.is_relative_to(PROJECT_DIR):
        print(f"postgres: the cluster lives in {directory} (the postgres user cannot enter {PROJECT_DIR})", flush=True)
    cluster = directory / "data"
    if not (cluster / "PG_VERSION").is_file():
        directory.mkdir(parents=True, exist_ok=True)
        initialise(bin_dir, directory, cluster)
    if is_running(bin_dir, cluster):
        print(f"postgres: already running ({cluster})", flush=True)
    else:
        prepare_directory(directory)
        started = subprocess.run(
            as_server_user([str(bin_dir / "pg_ctl"), "-D", str(cluster), "-l", str(directory / "server.log"), "-w", "start"]),
            capture_output=True,
            text=True,
            check=False,
        )
        if started.returncode != 0:
            log_tail = (directory / "server.log").read_text(errors="replace").splitlines()[-5:]
            raise ServerError("pg_ctl could not start the server:\n" + "\n".join([started.stdout.strip(), *log_tail]))
    wait_for_server()
    create_database_and_roles()
    login = postgres.builder_login()
    print(f"postgres: ready at {login.host}:{login.port}, database {login.database}; BI role {postgres.setting('BI_ROLE')}")


def down() -> None:
    bin_dir = server_bin()
    cluster = data_dir() / "data"
    if bin_dir is None or not is_running(bin_dir, cluster):
        print(f"postgres: not running ({cluster})")
        return
    subprocess.run(as_server_user([str(bin_dir / "pg_ctl"), "-D", str(cluster), "-m", "fast", "-w", "stop"]), check=True)


def status() -> int:
    bin_dir = server_bin()
    cluster = data_dir() / "data"
    running = bin_dir is not None and is_running(bin_dir, cluster)
    print(f"postgres: {'running' if running else 'not running'} ({cluster})")
    return 0 if running else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.postgres_server", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["up", "down", "status"])
    args = parser.parse_args(argv)
    try:
        if args.command == "up":
            up()
        elif args.command == "down":
            down()
        else:
            return status()
    except ServerError as error:
        print(f"postgres: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
