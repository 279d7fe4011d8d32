"""Killing the server in the middle of an upload or a plan submission loses no committed data and leaves no
half-written record.

The real thing, end to end: the production WSGI app under gunicorn, on its own database in the session's
throw-away PostgreSQL cluster, with the patient's and the surgeon's real sessions. The server is killed with
SIGKILL (no clean-up code runs), at three moments:

1. while the body of an upload is still arriving (half a DICOM file sent);
2. inside the upload's database transaction, after the ``Upload`` row was written but before the commit;
3. inside a plan submission's transaction, after the plan, the routing and the request were written.

For 2 and 3 the test holds an EXCLUSIVE lock on the timeline table (``RequestEvent``), which every workflow change
writes to inside its transaction after its other writes: the server's transaction stops there, and the test waits
until PostgreSQL shows it blocked *with a transaction id* (it has written rows) before killing it. No test hooks in
the product.

Afterwards the database holds exactly what was committed before the kill (the earlier upload and its file are
intact), nothing of the interrupted change, and the only trace on disk is a file no row refers to, which
``manage.py sweep_orphan_files`` removes.
"""

from __future__ import annotations

import datetime
import hashlib
import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from pydicom.data import get_testdata_file

from spinepath.devtools.pgcluster import PostgresCluster

HOST = "127.0.0.1"
REPO = Path(__file__).resolve().parents[2]

SEED = r"""
import datetime, json, sys
import django
django.setup()
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.utils import timezone
from spinepath.web.accounts.models import Role
from spinepath.web.care import workflow
from spinepath.web.care.models import TreatmentRequest
from spinepath.web.hospitals.models import Hospital, HospitalProcedure, Organisation

User = get_user_model()
organisation = Organisation.objects.create(name="Crash Test Partners", slug="crash")
hospital = Hospital.objects.create(organisation=organisation, name="Crash Test Hospital", slug="crash-hospital",
                                   city="Istanbul", country="Turkey", country_code="TR", languages=["en", "tr"])
HospitalProcedure.objects.create(hospital=hospital, procedure_id="microdiscectomy")

def person(email, role, **links):
    user = User.objects.create_user(username=email, email=email, password="not used by this test 123")
    profile = user.profile
    profile.role = role
    profile.email_verified_at = timezone.now()
    for key, value in links.items():
        setattr(profile, key, value)
    profile.save()
    return user

def session_for(user):
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key

patient = person("patient@example.org", Role.PATIENT)
coordinator = person("coordinator@example.org", Role.COORDINATOR, organisation=organisation)
surgeon = person("surgeon@example.org", Role.SURGEON, hospital=hospital)

def new_request():
    request = TreatmentRequest.objects.create(patient=patient, organisation=organisation, kind="treatment_plan",
                                              procedures=["microdiscectomy"], urgency="routine")
    workflow.give_consent(request, patient, [hospital], share_reports_as_is=False)
    return request

draft = new_request()  # the patient uploads to this one
routed = new_request()  # the surgeon answers this one
workflow.submit(routed, patient)
workflow.route(routed, [hospital], coordinator)
json.dump({"draft": draft.reference, "routed": routed.reference,
           "patient_session": session_for(patient), "surgeon_session": session_for(surgeon)}, sys.stdout)
"""


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int

    def kill(self) -> None:
        """SIGKILL the master and its workers at once: nothing gets to clean up."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@dataclass
class Site:
    env: dict[str, str]
    database_url: str
    data_dir: Path
    seeded: dict[str, str]

    def start(self) -> Server:
        port = _free_port()
        log = self.data_dir / f"gunicorn-{port}.log"
        command = [sys.executable, "-m", "gunicorn", "spinepath.web.wsgi:application", "--bind", f"{HOST}:{port}",
                   "--workers", "1", "--threads", "4", "--timeout", "120", "--error-logfile", str(log)]
        process = subprocess.Popen(command, env=self.env, cwd=self.data_dir, start_new_session=True)
        give_up = time.monotonic() + 30
        while time.monotonic() < give_up:
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited with {process.returncode}: {log.read_text(errors='replace')}")
            try:
                with socket.create_connection((HOST, port), timeout=1):
                    return Server(process, port)
            except OSError:
                time.sleep(0.1)
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail(f"gunicorn did not start: {log.read_text(errors='replace')}")

    def sql(self, query: str, *params: object) -> list[tuple[object, ...]]:
        with psycopg.connect(self.database_url, autocommit=True) as connection:
            return connection.execute(query, params).fetchall()

    def manage(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, str(REPO / "manage.py"), *arguments], env=self.env, cwd=self.data_dir,
                              capture_output=True, text=True, check=True, timeout=300)


@pytest.fixture(scope="module")
def site(postgres_cluster: PostgresCluster | None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    if postgres_cluster is None:
        pytest.skip("needs PostgreSQL (the crash test kills a real server on a real database)")
    name = "spinepath_crash_" + secrets.token_hex(4)
    with psycopg.connect(postgres_cluster.url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    database_url = postgres_cluster.url.rsplit("/", 1)[0] + "/" + name
    data_dir = tmp_path_factory.mktemp("crash-site")
    (data_dir / "static").mkdir()
    env = {
        **os.environ,
        "SPINEPATH_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": HOST,
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": database_url,
        "SPINEPATH_DATA_DIR": str(data_dir),
        "SPINEPATH_TASKS": "immediate",
        "DJANGO_SETTINGS_MODULE": "spinepath.web.settings",
        "LOG_LEVEL": "ERROR",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):  # production serves hashed statics
        subprocess.run([sys.executable, str(REPO / "manage.py"), *command], env=env, cwd=data_dir,
                       capture_output=True, text=True, check=True, timeout=300)
    seeded = subprocess.run([sys.executable, "-c", SEED], env=env, cwd=data_dir, capture_output=True, text=True,
                            check=True, timeout=120)
    import json

    yield Site(env, database_url, data_dir, json.loads(seeded.stdout))
    with psycopg.connect(postgres_cluster.url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ---- HTTP as a browser would do it --------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _get_csrf(server: Server, path: str, session: str) -> tuple[str, str]:
    """GET a page as the signed-in user; returns (csrftoken cookie, the form's csrfmiddlewaretoken)."""
    connection = http.client.HTTPConnection(HOST, server.port, timeout=30)
    connection.request("GET", path, headers={"Cookie": f"sessionid={session}", "Host": HOST})
    response = connection.getresponse()
    body = response.read().decode()
    assert response.status == 200, (path, response.status, body[:500])
    cookies = " ".join(value for key, value in response.getheaders() if key.lower() == "set-cookie")
    cookie = re.search(r"csrftoken=([^;]+)", cookies)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    assert cookie and token, "the page should set a CSRF cookie and carry the form token"
    return cookie.group(1), token.group(1)


def _multipart(token: str, files: list[tuple[str, bytes]]) -> tuple[str, bytes]:
    boundary = "----spinepath" + uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n{token}\r\n'.encode()]
    for name, data in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
            f"Content-Type: application/dicom\r\n\r\n".encode() + data + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(parts)


def _post_headers(session: str, csrf_cookie: str, content_type: str, length: int, referer: str) -> str:
    return (f"Host: {HOST}\r\nCookie: sessionid={session}; csrftoken={csrf_cookie}\r\n"
            f"Content-Type: {content_type}\r\nContent-Length: {length}\r\nReferer: {referer}\r\n"
            f"Connection: close\r\n\r\n")


def _upload(server: Server, site: Site, data: bytes, *, send: int | None = None) -> socket.socket | int:
    """POST one DICOM file to the draft's upload URL. With ``send``, only that many body bytes are sent and the open
    socket is returned (the server is left waiting for the rest); otherwise the HTTP status is returned."""
    reference, session = site.seeded["draft"], site.seeded["patient_session"]
    page = f"/en/requests/{reference}/"
    csrf_cookie, token = _get_csrf(server, page, session)
    content_type, body = _multipart(token, [("MR_small.dcm", data)])
    head = f"POST {page}uploads/ HTTP/1.1\r\n" + _post_headers(session, csrf_cookie, content_type, len(body),
                                                                f"http://{HOST}:{server.port}{page}")
    connection = socket.create_connection((HOST, server.port), timeout=60)
    connection.sendall(head.encode() + body[: len(body) if send is None else send])
    if send is not None:
        return connection
    status = int(connection.recv(4096).split(b" ", 2)[1])
    connection.close()
    return status


def _blocked_writer(site: Site, timeout: float = 30) -> None:
    """Wait until a server backend is blocked on a lock in a transaction that has already written rows."""
    give_up = time.monotonic() + timeout
    while time.monotonic() < give_up:
        rows = site.sql(
            "SELECT backend_xid FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
        )
        if rows:
            return
        time.sleep(0.05)
    pytest.fail("the server never reached the blocked write")


def _files_on_disk(site: Site) -> set[str]:
    root = site.data_dir / "private"
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()} if root.exists() else set()


def _referenced_files(site: Site) -> set[str]:
    names = set()
    for (original,) in site.sql("SELECT original FROM spinepath_care_upload"):
        names.add(original)
    for row in site.sql("SELECT original, deidentified, preview FROM spinepath_care_imagingfile"):
        names.update(name for name in row if name)
    return names


def _count(site: Site, table: str) -> int:
    return int(site.sql(f"SELECT count(*) FROM {table}")[0][0])


# ---- the tests ----------------------------------------------------------------------------------------------------

MR = Path(get_testdata_file("MR_small.dcm")).read_bytes()
CT = Path(get_testdata_file("CT_small.dcm")).read_bytes()


def test_a_committed_upload_survives_a_kill_in_the_middle_of_the_next_one(site: Site) -> None:
    server = site.start()
    try:
        assert _upload(server, site, MR) == 302  # the first upload completes and is committed
        before = site.sql("SELECT id, original, sha256, status FROM spinepath_care_upload")
        assert len(before) == 1 and before[0][3] == "done"
        files_before = _count(site, "spinepath_care_imagingfile")
        assert files_before == 1

        # Half of the next file's bytes are on the wire when the server dies.
        half_sent = _upload(server, site, CT * 40, send=len(CT) * 20)
        time.sleep(0.5)
        server.kill()
        assert isinstance(half_sent, socket.socket)
        half_sent.close()
    finally:
        if server.process.poll() is None:
            server.kill()

    after = site.sql("SELECT id, original, sha256, status FROM spinepath_care_upload")
    assert after == before, "the committed upload is unchanged and no row was added for the interrupted one"
    assert _count(site, "spinepath_care_imagingfile") == files_before
    stored = site.data_dir / "private" / before[0][1]
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == before[0][2], "the committed file is intact"


def test_a_kill_inside_the_upload_transaction_leaves_no_row_and_the_orphan_file_is_swept(site: Site) -> None:
    uploads_before = site.sql("SELECT id, sha256 FROM spinepath_care_upload ORDER BY id")
    events_before = _count(site, "spinepath_care_requestevent")
    server = site.start()
    result: dict[str, object] = {}
    with psycopg.connect(site.database_url) as lock:
        lock.execute("LOCK TABLE spinepath_care_requestevent IN EXCLUSIVE MODE")
        uploader = threading.Thread(target=lambda: result.update(status=_safe_upload(server, site, CT)), daemon=True)
        uploader.start()
        _blocked_writer(site)  # the Upload row is written, the timeline event waits for our lock
        server.kill()
        lock.rollback()
    uploader.join(timeout=30)
    time.sleep(0.5)  # PostgreSQL ends the dead client's backend and rolls its transaction back

    assert site.sql("SELECT id, sha256 FROM spinepath_care_upload ORDER BY id") == uploads_before
    assert _count(site, "spinepath_care_requestevent") == events_before
    orphans = _files_on_disk(site) - _referenced_files(site)
    assert orphans, "the received file reached the disk before the transaction began"
    site.manage("sweep_orphan_files", "--older-than-minutes", "0")
    assert _files_on_disk(site) - _referenced_files(site) == set()
    assert _referenced_files(site) <= _files_on_disk(site), "every referenced file is still there"


def _safe_upload(server: Server, site: Site, data: bytes) -> object:
    try:
        return _upload(server, site, data)
    except (OSError, IndexError, ValueError) as error:  # the connection dies with the server
        return error


def test_a_kill_inside_a_plan_submission_leaves_no_half_written_plan(site: Site) -> None:
    reference, session = site.seeded["routed"], site.seeded["surgeon_session"]
    state_before = site.sql(
        "SELECT r.status, g.status FROM spinepath_care_treatmentrequest r "
        "JOIN spinepath_care_routing g ON g.request_id = r.id WHERE r.reference = %s", reference
    )
    assert state_before == [("routed", "awaiting")]
    events_before = _count(site, "spinepath_care_requestevent")

    server = site.start()
    page = f"/en/review/{reference}/"
    csrf_cookie, token = _get_csrf(server, page, session)
    today = datetime.date.today()
    form = {
        "csrfmiddlewaretoken": token, "kind": "plan", "procedure_id": "microdiscectomy", "levels": "L4-L5",
        "anaesthesia": "general", "expected_stay_nights": "1", "cost_min": "4000", "cost_max": "6000",
        "currency": "EUR", "earliest_date": (today + datetime.timedelta(days=14)).isoformat(),
        "valid_until": (today + datetime.timedelta(days=60)).isoformat(), "notes": "crash test",
    }
    from urllib.parse import urlencode

    body = urlencode(form).encode()
    head = f"POST {page}respond/ HTTP/1.1\r\n" + _post_headers(
        session, csrf_cookie, "application/x-www-form-urlencoded", len(body), f"http://{HOST}:{server.port}{page}")

    def submit() -> None:
        try:
            with socket.create_connection((HOST, server.port), timeout=60) as connection:
                connection.sendall(head.encode() + body)
                connection.recv(4096)
        except OSError:
            pass

    with psycopg.connect(site.database_url) as lock:
        lock.execute("LOCK TABLE spinepath_care_requestevent IN EXCLUSIVE MODE")
        submitter = threading.Thread(target=submit, daemon=True)
        submitter.start()
        _blocked_writer(site)  # plan, routing and request are written; the timeline event waits for our lock
        server.kill()
        lock.rollback()
    submitter.join(timeout=30)
    time.sleep(0.5)

    assert _count(site, "spinepath_care_hospitalresponse") == 0, "no plan without its routing and request change"
    assert site.sql(
        "SELECT r.status, g.status FROM spinepath_care_treatmentrequest r "
        "JOIN spinepath_care_routing g ON g.request_id = r.id WHERE r.reference = %s", reference
    ) == state_before
    assert _count(site, "spinepath_care_requestevent") == events_before

    # The same submission on a restarted server goes through: nothing was left locked or half-done.
    server = site.start()
    try:
        csrf_cookie, token = _get_csrf(server, page, session)
        form["csrfmiddlewaretoken"] = token
        body = urlencode(form).encode()
        head = f"POST {page}respond/ HTTP/1.1\r\n" + _post_headers(
            session, csrf_cookie, "application/x-www-form-urlencoded", len(body), f"http://{HOST}:{server.port}{page}")
        with socket.create_connection((HOST, server.port), timeout=60) as connection:
            connection.sendall(head.encode() + body)
            status = int(connection.recv(4096).split(b" ", 2)[1])
        assert status in (302, 303), status
    finally:
        server.kill()
    assert _count(site, "spinepath_care_hospitalresponse") == 1
    assert site.sql(
        "SELECT r.status, g.status FROM spinepath_care_treatmentrequest r "
        "JOIN spinepath_care_routing g ON g.request_id = r.id WHERE r.reference = %s", reference
    ) == [("plans_received", "plan_sent")]
