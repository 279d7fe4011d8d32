"""A throw-away PostgreSQL cluster for the web tests and benchmarks.

:func:`running_cluster` runs ``initdb`` in a new temporary directory, starts the server on a free port of
127.0.0.1 (never another interface), creates one database and, on leaving the ``with`` block, stops the server
and deletes the directory. The cluster has one password-protected superuser; durability is switched off
(``fsync=off``): nothing in it outlives the run.

PostgreSQL refuses to run as root. As root (CI containers), the server runs as the unprivileged ``postgres``
system user, created if absent, through ``runuser``.

The server binaries are found with :func:`find_bindir`: ``pg_ctl`` on ``PATH``, else Debian's
``/usr/lib/postgresql/<version>/bin`` (``.ci/install-system-deps`` installs them there).
"""

from __future__ import annotations

import os
import re
import secrets
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["PostgresCluster", "PostgresUnavailable", "find_bindir", "running_cluster"]

SERVER_USER = "postgres"  # the unprivileged OS user the server runs as when we are root
_START_ATTEMPTS = 3  # a free port can be taken between choosing it and binding it


class PostgresUnavailable(RuntimeError):
    """The server binaries are missing, or the cluster could not be started."""


@dataclass(frozen=True)
class PostgresCluster:
    """A running cluster: where it listens and how to log in."""

    host: str
    port: int
    user: str
    password: str
    database: str
    version: str
    directory: Path

    @property
    def url(self) -> str:
        """A ``DATABASE_URL`` for ``dj-database-url`` (and libpq)."""
        return f"postgres://{self.user}:{self.password}@{self.host}:{self.port}/{self.database}"

    def django_settings(self) -> dict[str, Any]:
        """The keys of a ``DATABASES`` entry that point Django at this cluster."""
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": self.database,
            "USER": self.user,
            "PASSWORD": self.password,
            "HOST": self.host,
            "PORT": str(self.port),
            "OPTIONS": {},
        }

    def describe(self) -> str:
        return f"PostgreSQL {self.version} on {self.host}:{self.port}, database {self.database!r}"


def find_bindir() -> Path | None:
    """The directory holding ``pg_ctl``, ``initdb`` and ``postgres``, or ``None`` when they are not installed."""
    on_path = shutil.which("pg_ctl")
    candidates = [Path(on_path).resolve().parent] if on_path else []
    # Debian's postgresql package does not put the server binaries on PATH; newest version first.
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version_key, reverse=True)
    candidates += versions
    for bindir in candidates:
        if all((bindir / name).is_file() for name in ("pg_ctl", "initdb", "postgres")):
            return bindir
    return None


def _version_key(bindir: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", bindir.parent.name)) or (0,)


@contextmanager
def running_cluster(database: str = "spinepath", *, bindir: Path | None = None) -> Iterator[PostgresCluster]:
    """Start a throw-away cluster with ``database`` in it; stop it and delete its files afterwards."""
    bindir = bindir or find_bindir()
    if bindir is None:
        raise PostgresUnavailable(
            "PostgreSQL server binaries (pg_ctl, initdb) not found on PATH or in /usr/lib/postgresql/*/bin; "
            "install them with .ci/install-system-deps (Debian: apt-get install postgresql)"
        )
    run_as = _server_user()
    directory = Path(tempfile.mkdtemp(prefix="spinepath-pg-", dir="/tmp" if run_as else None))
    try:
        if run_as:
            shutil.chown(directory, run_as, run_as)
        user, password = "spinepath", secrets.token_urlsafe(24)
        _initdb(bindir, directory, user, password, run_as)
        port = _start(bindir, directory, run_as)
        try:
            version = _create_database(port, user, password, database)
            yield PostgresCluster("127.0.0.1", port, user, password, database, version, directory)
        finally:
            _run(run_as, [str(bindir / "pg_ctl"), "-D", str(directory / "data"), "-m", "immediate", "-w", "stop"],
                 directory)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _server_user() -> str | None:
    """``None`` when we may run the server ourselves; as root, the system user to run it as (created if need be)."""
    if os.geteuid() != 0:
        return None
    try:
        subprocess.run(["id", "-u", SERVER_USER], check=True, capture_output=True)
    except subprocess.CalledProcessError:
        subprocess.run(
            ["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
             "--shell", "/usr/sbin/nologin", SERVER_USER],
            check=True, capture_output=True,
        )
    if shutil.which("runuser") is None:
        raise PostgresUnavailable("running as root and 'runuser' (util-linux) is missing: cannot drop privileges")
    return SERVER_USER


def _run(run_as: str | None, command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    # cwd: the server user cannot enter root's home directory.
    full = ["runuser", "-u", run_as, "--", *command] if run_as else command
    return subprocess.run(full, cwd=cwd, capture_output=True, text=True, check=False)


def _initdb(bindir: Path, directory: Path, user: str, password: str, run_as: str | None) -> None:
    password_file = directory / "password"
    password_file.write_text(password + "\n", encoding="utf-8")
    password_file.chmod(0o600)
    if run_as:
        shutil.chown(password_file, run_as, run_as)
    done = _run(run_as, [str(bindir / "initdb"), "-D", str(directory / "data"), "-U", user,
                         f"--pwfile={password_file}", "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C",
                         "--no-sync"], directory)
    password_file.unlink()
    if done.returncode != 0:
        raise PostgresUnavailable(f"initdb failed ({done.returncode}):\n{done.stdout}{done.stderr}")


def _start(bindir: Path, directory: Path, run_as: str | None) -> int:
    log = directory / "server.log"
    for _ in range(_START_ATTEMPTS):
        port = _free_port()
        options = (f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={shlex.quote(str(directory))}"
                   " -c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        done = _run(run_as, [str(bindir / "pg_ctl"), "-D", str(directory / "data"), "-l", str(log), "-w",
                             "-t", "60", "-o", options, "start"], directory)
        if done.returncode == 0:
            return port
    server_log = log.read_text(encoding="utf-8", errors="replace")[-4000:] if log.exists() else ""
    raise PostgresUnavailable(f"pg_ctl start failed ({done.returncode}):\n{done.stdout}{done.stderr}\n{server_log}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _create_database(port: int, user: str, password: str, database: str) -> str:
    import psycopg  # a dependency of the web app; imported here so that finding the binaries needs nothing
    from psycopg import sql

    with psycopg.connect(host="127.0.0.1", port=port, user=user, password=password, dbname="postgres",
                         autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
        row = connection.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "unknown"
