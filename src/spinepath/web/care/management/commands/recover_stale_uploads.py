"""Queue again the uploads whose processing task seems to have died with its worker (killed, out of memory, a
restart): an upload still "received" or "processing" ``settings.UPLOAD_STALE_AFTER_MINUTES`` after its latest
attempt began. After ``settings.UPLOAD_MAX_ATTEMPTS`` attempts it is marked failed instead, and the patient is asked
to upload it again (see :func:`spinepath.web.care.tasks.recover_stale_uploads`). Run it from cron like the other
routine jobs, e.g. every 10 minutes::

    manage.py recover_stale_uploads            # queue again, or give up
    manage.py recover_stale_uploads --dry-run  # only count

Running it twice, or two at once, queues an upload once. An upload whose task is still queued, never taken by a
worker (the workers are stopped or behind), is left as it is and counted.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from spinepath.web.care.tasks import recover_stale_uploads


class Command(BaseCommand):
    help = ("Queue again the uploads still waiting to be processed long after their task began (the worker died), "
            "or mark them failed after the last attempt. Meant to run from cron, e.g. every 10 minutes.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dry-run", action="store_true", help="count what would be done, change nothing")

    def handle(self, *args: Any, dry_run: bool, **options: Any) -> None:
        recovery = recover_stale_uploads(now=timezone.now(), dry_run=dry_run)
        verbs = ("would queue again", "would mark failed") if dry_run else ("queued again", "marked failed")
        self.stdout.write(f"{verbs[0]} {recovery.requeued} stale upload(s); "
                          f"{verbs[1]} {recovery.failed} after the last attempt")
        if recovery.waiting_for_worker:
            self.stdout.write(f"{recovery.waiting_for_worker} upload(s) still queued, never taken by a worker: left "
                              "as they are (is manage.py db_worker running?)")
