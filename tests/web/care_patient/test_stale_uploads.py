"""An upload whose worker died (killed, out of memory, a restart) is not left "processing" forever:
``manage.py recover_stale_uploads`` queues it again, and after the last attempt marks it failed with a sentence the
patient can act on. Running the task again records one set of rows; two sweeps queue an upload once; the patient's
page says when an upload is taking longer than usual.

Real uploads (pydicom's test files through the patient's form), real files on disk, PostgreSQL, and django-tasks'
database backend where the test counts what is queued. Time is moved by ageing the upload's timestamps, not slept.
"""

from __future__ import annotations

import datetime
import io
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from spinepath.web.audit.models import AuditEvent
from spinepath.web.care import tasks
from spinepath.web.care.models import ImagingFile, TreatmentRequest, Upload, UploadStatus
from spinepath.web.care.tasks import Recovery, recover_stale_uploads
from spinepath.web.care.uploads import referenced_names

from .conftest import dicom_bytes, start_request, upload_file

pytestmark = pytest.mark.django_db

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
GAVE_UP = "We could not finish checking this upload. Please upload the files again; nothing you sent was shared."
TAKING_LONGER = "This is taking longer than usual; we are retrying it."


class WorkerKilled(BaseException):
    """Stands for SIGKILL in the middle of the task: not an Exception, so no clean-up code of the task runs."""


@pytest.fixture
def draft(patient_client: Client) -> TreatmentRequest:
    return start_request(patient_client)


def received(client: Client, request_obj: TreatmentRequest, name: str = "IM0001",
             data: bytes | None = None) -> Upload:
    """An upload as the web process leaves it: stored and recorded, its task not run (commit callbacks are not
    run outside ``django_capture_on_commit_callbacks``)."""
    client.post(f"/en/requests/{request_obj.reference}/uploads/",
                {"files": [upload_file(name, data or dicom_bytes("MR_small.dcm"))]})
    return Upload.objects.get(request=request_obj, original_name=name)


def age(upload: Upload, minutes: int, **fields: Any) -> None:
    """Move the upload's clock back: it was received, and its latest attempt began, ``minutes`` ago."""
    then = timezone.now() - datetime.timedelta(minutes=minutes)
    Upload.objects.filter(pk=upload.pk).update(created_at=then, last_attempt_at=then, **fields)


def queued_for(upload: Upload) -> int:
    return DBTaskResult.objects.filter(task_path=tasks.process_upload.module_path,
                                       args_kwargs__args=[str(upload.pk)]).count()


def taken_by_a_worker(upload: Upload) -> None:
    """Its queued tasks were taken by a worker that then died: the database backend leaves them RUNNING."""
    DBTaskResult.objects.filter(task_path=tasks.process_upload.module_path,
                                args_kwargs__args=[str(upload.pk)]).update(status="RUNNING")


def sweep(capture: Any) -> Recovery:
    """One run of the sweep, running the tasks it queues (the immediate backend) after its commit."""
    with capture(execute=True):
        return recover_stale_uploads(now=timezone.now())


def test_a_task_killed_half_way_is_queued_again_and_records_one_set_of_rows(
        patient_client: Client, draft: TreatmentRequest, django_capture_on_commit_callbacks: Any,
        monkeypatch: pytest.MonkeyPatch, private_dir: Path) -> None:
    upload = received(patient_client, draft)

    def killed(dataset: Any) -> Any:  # after the copies were written, before any row
        raise WorkerKilled

    with monkeypatch.context() as patched:
        patched.setattr(tasks, "render_preview", killed)
        with pytest.raises(WorkerKilled):
            tasks.process_upload.call(str(upload.pk))
    upload.refresh_from_db()
    assert upload.status == UploadStatus.PROCESSING and not ImagingFile.objects.exists()
    written_before = {p.relative_to(private_dir).as_posix() for p in private_dir.rglob("*") if p.is_file()}
    assert len(written_before) > 1  # the de-identified copy of the dead attempt is on disk, no row refers to it

    assert sweep(django_capture_on_commit_callbacks) == Recovery()  # not stale yet: left alone
    age(upload, 31)
    assert sweep(django_capture_on_commit_callbacks) == Recovery(requeued=1)

    upload.refresh_from_db()
    assert upload.status == UploadStatus.DONE and upload.attempts == 2 and upload.accepted_count == 1
    imaging = ImagingFile.objects.get(request=draft)  # exactly one row
    assert imaging.upload_id == upload.pk and imaging.deidentified and imaging.preview
    assert list(draft.events.filter(kind__startswith="upload_").values_list("kind", flat=True)) == [
        "upload_received", "upload_processed"]
    # Content-addressed: the second attempt wrote the same files again, not a second set.
    on_disk = {p.relative_to(private_dir).as_posix() for p in private_dir.rglob("*") if p.is_file()}
    assert on_disk == referenced_names() and written_before <= on_disk
    assert sweep(django_capture_on_commit_callbacks) == Recovery()  # done: nothing more to do


@pytest.mark.parametrize("attempts", [1, 3])
def test_an_upload_whose_task_no_worker_has_taken_yet_is_left_waiting(
        patient_client: Client, draft: TreatmentRequest, settings: Any, django_capture_on_commit_callbacks: Any,
        attempts: int) -> None:
    # The workers are stopped or behind: the task sits in the queue. Neither queued again nor failed (the patient
    # is not asked to upload again because of our outage), even after the last attempt.
    settings.TASKS = DATABASE_TASKS
    with django_capture_on_commit_callbacks(execute=True):  # enqueued into the database, not run
        upload = received(patient_client, draft)
    upload.refresh_from_db()
    assert upload.task_id and queued_for(upload) == 1
    age(upload, 90, attempts=attempts)
    dry_run = io.StringIO()
    call_command("recover_stale_uploads", "--dry-run", stdout=dry_run)
    assert "1 upload(s) still queued, never taken by a worker" in dry_run.getvalue()

    assert sweep(django_capture_on_commit_callbacks) == Recovery(waiting_for_worker=1)
    upload.refresh_from_db()
    assert upload.status == UploadStatus.RECEIVED and upload.attempts == attempts and queued_for(upload) == 1

    # Once a worker has taken it and died, the sweep acts as for any dead worker.
    taken_by_a_worker(upload)
    expected = Recovery(requeued=1) if attempts < 3 else Recovery(failed=1)
    assert sweep(django_capture_on_commit_callbacks) == expected


@pytest.mark.parametrize(("status", "minutes", "attempts", "expected"), [
    pytest.param(UploadStatus.RECEIVED, 5, 1, Recovery(), id="received-a-moment-ago"),
    pytest.param(UploadStatus.PROCESSING, 29, 1, Recovery(), id="processing-just-under-the-limit"),
    pytest.param(UploadStatus.PROCESSING, 29, 3, Recovery(), id="last-attempt-still-within-the-limit"),
    pytest.param(UploadStatus.DONE, 600, 1, Recovery(), id="done-long-ago"),
    pytest.param(UploadStatus.FAILED, 600, 3, Recovery(), id="failed-long-ago"),
    pytest.param(UploadStatus.RECEIVED, 31, 1, Recovery(requeued=1), id="received-but-its-task-was-lost"),
    pytest.param(UploadStatus.PROCESSING, 31, 1, Recovery(requeued=1), id="worker-died-on-the-first-attempt"),
    pytest.param(UploadStatus.PROCESSING, 31, 2, Recovery(requeued=1), id="worker-died-on-the-second-attempt"),
    pytest.param(UploadStatus.PROCESSING, 31, 3, Recovery(failed=1), id="worker-died-on-the-last-attempt"),
])
def test_which_uploads_the_sweep_acts_on(patient_client: Client, draft: TreatmentRequest, settings: Any,
                                         django_capture_on_commit_callbacks: Any, status: str, minutes: int,
                                         attempts: int, expected: Recovery) -> None:
    settings.TASKS = DATABASE_TASKS  # queued, not run: the test counts the tasks
    upload = received(patient_client, draft)
    age(upload, minutes, status=status, attempts=attempts)
    dry_run = io.StringIO()
    call_command("recover_stale_uploads", "--dry-run", stdout=dry_run)
    assert (f"would queue again {expected.requeued} stale upload(s); would mark failed {expected.failed} after the "
            "last attempt") in dry_run.getvalue()
    assert queued_for(upload) == 0 and Upload.objects.get(pk=upload.pk).attempts == attempts  # changed nothing

    assert sweep(django_capture_on_commit_callbacks) == expected
    upload.refresh_from_db()
    assert queued_for(upload) == expected.requeued
    assert upload.attempts == attempts + expected.requeued
    if expected.requeued:
        assert upload.status == UploadStatus.RECEIVED and upload.task_id and not upload.taking_longer_than_usual
    elif expected.failed:
        assert upload.status == UploadStatus.FAILED
    else:
        assert upload.status == status


def test_after_the_last_attempt_the_patient_is_asked_to_upload_again(
        patient_client: Client, draft: TreatmentRequest, django_capture_on_commit_callbacks: Any, settings: Any,
        private_dir: Path) -> None:
    settings.UPLOAD_MAX_ATTEMPTS = 2
    upload = received(patient_client, draft)
    settings.TASKS = DATABASE_TASKS  # a worker that never finishes: queued tasks are never run
    for attempt in (1, 2):
        age(upload, 31, status=UploadStatus.PROCESSING)
        taken_by_a_worker(upload)
        assert sweep(django_capture_on_commit_callbacks) == (
            Recovery(requeued=1) if attempt == 1 else Recovery(failed=1))
    upload.refresh_from_db()
    assert upload.status == UploadStatus.FAILED and upload.attempts == 2 and upload.error == GAVE_UP
    assert queued_for(upload) == 1
    assert draft.events.filter(kind="upload_failed", actor_role="system").count() == 1
    assert AuditEvent.objects.filter(object_type="upload", object_id=str(upload.pk), actor_role="system",
                                     detail="failed: not finished after 2 attempts").count() == 1
    assert not ImagingFile.objects.exists()
    # The patient reads the sentence; the page stops polling.
    fragment = patient_client.get(f"/en/requests/{draft.reference}/uploads/{upload.pk}/status/").content.decode()
    assert GAVE_UP in fragment and "hx-trigger" not in fragment and TAKING_LONGER not in fragment
    # Nothing more happens to it, and a task queued earlier that runs at last changes nothing.
    age(upload, 600)
    assert sweep(django_capture_on_commit_callbacks) == Recovery()
    assert tasks.process_upload.call(str(upload.pk)) == UploadStatus.FAILED
    assert not ImagingFile.objects.exists() and draft.events.filter(kind="upload_failed").count() == 1


def test_two_sweeps_in_a_row_queue_an_upload_once(patient_client: Client, draft: TreatmentRequest,
                                                  settings: Any, django_capture_on_commit_callbacks: Any) -> None:
    settings.TASKS = DATABASE_TASKS
    upload = received(patient_client, draft)
    age(upload, 31, status=UploadStatus.PROCESSING)
    out = io.StringIO()
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("recover_stale_uploads", stdout=out)
    assert "queued again 1 stale upload(s); marked failed 0" in out.getvalue()
    assert "queued again 0 stale upload(s); marked failed 0" in out.getvalue()
    upload.refresh_from_db()
    assert queued_for(upload) == 1 and upload.attempts == 2


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_queue_an_upload_once(patient_client: Client, draft: TreatmentRequest,
                                                 settings: Any) -> None:
    """The first sweep claims the upload and holds its transaction open until the second is waiting for the row
    lock; then it commits, and the second finds nothing left to do."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks are what this test is about: PostgreSQL only")
    settings.TASKS = DATABASE_TASKS
    upload = received(patient_client, draft)  # its first task is queued: here commits are real
    queued_at_receipt = queued_for(upload)
    age(upload, 31, status=UploadStatus.PROCESSING)
    taken_by_a_worker(upload)
    results: dict[str, Any] = {}
    first_claimed = threading.Event()

    def second_is_waiting_for_a_lock() -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # else read once per transaction
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                           "AND datname = current_database()")
            return bool(cursor.fetchone()[0])

    def first() -> None:
        try:
            with transaction.atomic():
                results["first"] = recover_stale_uploads(now=timezone.now())
                first_claimed.set()
                deadline = time.monotonic() + 10
                while not second_is_waiting_for_a_lock() and time.monotonic() < deadline:
                    time.sleep(0.02)
                results["second_waited"] = second_is_waiting_for_a_lock()
        finally:
            first_claimed.set()
            connection.close()

    def second() -> None:
        try:
            first_claimed.wait(10)
            results["second"] = recover_stale_uploads(now=timezone.now())
        finally:
            connection.close()

    sweeps = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in sweeps:
        thread.start()
    for thread in sweeps:
        thread.join(30)
    assert results == {"first": Recovery(requeued=1), "second_waited": True, "second": Recovery()}
    upload.refresh_from_db()
    assert queued_for(upload) == queued_at_receipt + 1 and upload.attempts == 2


@pytest.mark.parametrize(("attempts", "expected_status", "expected_rows", "expected_error"), [
    # The second task runs to the end while the first is still at work; the first then finds it done.
    pytest.param(1, UploadStatus.DONE, 1, "", id="queued-again-while-the-first-worker-is-still-at-work"),
    # The sweep gave up: the slow worker's result is dropped, as the patient was told.
    pytest.param(3, UploadStatus.FAILED, 0, GAVE_UP, id="given-up-while-the-first-worker-is-still-at-work"),
])
def test_a_worker_that_was_only_slow_does_not_record_twice(
        patient_client: Client, draft: TreatmentRequest, django_capture_on_commit_callbacks: Any,
        monkeypatch: pytest.MonkeyPatch, private_dir: Path, attempts: int, expected_status: str,
        expected_rows: int, expected_error: str) -> None:
    upload = received(patient_client, draft)
    Upload.objects.filter(pk=upload.pk).update(attempts=attempts)
    render_preview = tasks.render_preview
    swept: list[Recovery] = []
    first_worker = True

    def slow_preview(dataset: Any) -> Any:
        nonlocal first_worker
        if first_worker:  # half-way: its clock shows it stale, and the sweep runs
            first_worker = False
            age(upload, 31)
            swept.append(sweep(django_capture_on_commit_callbacks))
        return render_preview(dataset)

    monkeypatch.setattr(tasks, "render_preview", slow_preview)
    assert tasks.process_upload.call(str(upload.pk)) == expected_status
    assert swept == [Recovery(requeued=1) if attempts == 1 else Recovery(failed=1)]
    upload.refresh_from_db()
    assert upload.status == expected_status and upload.error == expected_error
    assert ImagingFile.objects.filter(upload=upload).count() == expected_rows
    assert draft.events.filter(kind__in=("upload_processed", "upload_failed")).count() == 1
    # What the slower run wrote and no row refers to is removed, as when processing fails.
    on_disk = {p.relative_to(private_dir).as_posix() for p in private_dir.rglob("*") if p.is_file()}
    assert on_disk == referenced_names()


@pytest.mark.parametrize(("minutes", "shown"), [
    pytest.param(5, False, id="a-few-minutes"),
    pytest.param(31, True, id="over-the-limit"),
])
def test_the_patient_page_says_when_an_upload_is_taking_longer_than_usual(
        patient_client: Client, draft: TreatmentRequest, minutes: int, shown: bool) -> None:
    upload = received(patient_client, draft)
    age(upload, minutes, status=UploadStatus.PROCESSING)
    url = f"/en/requests/{draft.reference}/uploads/{upload.pk}/status/"
    fragment = patient_client.get(url).content.decode()
    assert 'hx-trigger="every 2s"' in fragment  # still polled: the retry may finish it
    assert (TAKING_LONGER in fragment) is shown
    for page in (f"/en/requests/{draft.reference}/", f"/en/requests/{draft.reference}/edit/"):
        assert (TAKING_LONGER in patient_client.get(page).content.decode()) is shown

