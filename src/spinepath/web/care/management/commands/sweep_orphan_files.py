"""Remove files in private storage that no row refers to and that are older than an hour.

Files are written before their rows (see :mod:`spinepath.web.care.uploads`), so a crash between the two leaves an
orphan file, never a row without its file; this command is the clean-up. The hour's grace keeps it away from a
file whose row is being written right now. Run it from cron, e.g. hourly::

    manage.py sweep_orphan_files            # delete
    manage.py sweep_orphan_files --dry-run  # only list how many
"""

from __future__ import annotations

import datetime
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from spinepath.web.care.models import private_storage
from spinepath.web.care.uploads import referenced_names


class Command(BaseCommand):
    help = "Delete files in private storage that no row refers to and that are older than an hour."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--older-than-minutes", type=int, default=60,
                            help="only files not modified for this long (default 60)")
        parser.add_argument("--dry-run", action="store_true", help="count what would be deleted, delete nothing")

    def handle(self, *args: Any, older_than_minutes: int, dry_run: bool, **options: Any) -> None:
        root = Path(private_storage().location)
        cutoff = time.time() - datetime.timedelta(minutes=older_than_minutes).total_seconds()
        # Taken before walking the disk: a row committed meanwhile refers to a file newer than the cut-off.
        referenced = referenced_names()
        found = deleted = 0
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                if not path.is_file() or path.is_symlink():
                    continue
                name = path.relative_to(root).as_posix()
                if name in referenced or path.stat().st_mtime > cutoff:
                    continue
                found += 1
                if not dry_run:
                    path.unlink(missing_ok=True)
                    deleted += 1
        verb = "would delete" if dry_run else "deleted"
        self.stdout.write(f"{verb} {found if dry_run else deleted} orphan file(s) from private storage")
