"""Shared test configuration: hypothesis profiles, and PostgreSQL for every test that uses the database.

Hypothesis: ``default`` = 100 examples, no deadline (the engine's speed is measured in benchmarks/, not here);
``ci`` (loaded when the environment variable ``CI`` is set) = 200 examples, reproducible (derandomized).

Database:The web and browser tests run on PostgreSQL, as production does.
A throw-away cluster (:mod:`spinepath.devtools.pgcluster`: initdb in a temporary directory, a free port on
127.0.0.1, as the unprivileged ``postgres`` user when we are root) is started once for the whole session, the
first time a test needs the database, and Django's ``default`` database is pointed at it before pytest-django
creates the test database. It is stopped and deleted at the end of the session.

With the environment variable ``CI`` set, PostgreSQL is required: without the server binaries every database
test fails, saying how to install them (``.ci/install-system-deps``). Locally, without them, the tests fall back
to SQLite with a warning. Which database was used is printed in the report header and summary.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator

import pytest
from hypothesis import settings

from spinepath.devtools.pgcluster import PostgresCluster, find_bindir, running_cluster

settings.register_profile("default", max_examples=100, deadline=None)
settings.register_profile("ci", max_examples=200, deadline=None, derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "default")


IN_CI = bool(os.environ.get("CI"))
PG_BINDIR = find_bindir()
_used: list[str] = []  # what the session actually ran on, for the terminal summary


def pytest_report_header(config: pytest.Config) -> str:
    if PG_BINDIR is not None:
        return f"web tests database: throw-away PostgreSQL cluster ({PG_BINDIR})"
    if IN_CI:
        return "web tests database: PostgreSQL REQUIRED (CI is set) but pg_ctl/initdb not found"
    return "web tests database: SQLite (PostgreSQL server binaries not found)"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in _used:
        terminalreporter.write_line(f"web tests ran on {line}")


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster | None]:
    """The session's PostgreSQL cluster, or ``None`` when falling back to SQLite (never in CI)."""
    if PG_BINDIR is None:
        if IN_CI:
            pytest.fail("CI is set, so the web tests need PostgreSQL, but pg_ctl/initdb were found neither on PATH "
                        "nor in /usr/lib/postgresql/*/bin: run .ci/install-system-deps", pytrace=False)
        warnings.warn("PostgreSQL server binaries not found: the web tests run on SQLite, not on the production "
                      "database (install them with .ci/install-system-deps)", stacklevel=1)
        _used.append("SQLite (fallback: PostgreSQL not installed)")
        yield None
        return
    with running_cluster("spinepath_test", bindir=PG_BINDIR) as cluster:
        _used.append(cluster.describe())
        yield cluster


@pytest.fixture(scope="session")
def django_db_modify_db_settings(request: pytest.FixtureRequest, postgres_cluster: PostgresCluster | None) -> None:
    """pytest-django's hook for changing the database settings before the test database is created."""
    if postgres_cluster is not None:
        from django.conf import settings
        from django.db import connections

        # In place: django.db.connections shares this dict. Its SQLite wrapper (built by django.setup(), which
        # asks the backend for the longest table name) is dropped, so the next use builds a PostgreSQL one.
        settings.DATABASES["default"].update(postgres_cluster.django_settings())
        connections.close_all()
        # Only if this thread ever built one (a run of the browser tests alone may not have).
        with contextlib.suppress(AttributeError):
            del connections["default"]
        assert connections["default"].vendor == "postgresql"
    # After our change, so that pytest-xdist workers still get their own test database names.
    request.getfixturevalue("django_db_modify_db_settings_parallel_suffix")
