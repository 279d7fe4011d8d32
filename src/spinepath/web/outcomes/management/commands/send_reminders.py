"""``manage.py send_reminders``: enqueue today's follow-up reminders (run it once a day from cron or a scheduler;
``manage.py db_worker`` runs the queued task). ``--now`` runs it in this process instead."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from spinepath.web.outcomes.tasks import send_due_reminders


class Command(BaseCommand):
    help = "Send the follow-up questionnaire reminders that are due (idempotent: never reminds twice)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", action="store_true", help="run in this process instead of enqueueing")
        parser.add_argument("--date", help="pretend today is this date (YYYY-MM-DD), e.g. to catch up")

    def handle(self, *args: Any, now: bool = False, date: str | None = None, **options: Any) -> None:
        if now:
            sent = send_due_reminders.call(date)
            self.stdout.write(f"{sent} reminder(s) sent")
            return
        result = send_due_reminders.enqueue(date)
        self.stdout.write(f"reminders task enqueued ({result.id})")
