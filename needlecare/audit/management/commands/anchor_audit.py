"""Anchor every clinic's audit chain head now (the worker does this every AUDIT_ANCHOR_SECONDS)."""

from django.core.management.base import BaseCommand

from needlecare.audit.anchors import anchor_dir, write_anchors


class Command(BaseCommand):
    help = "Write a signed anchor of each clinic's audit chain head into AUDIT_ANCHOR_DIR (if it moved)."

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        written = write_anchors()
        self.stdout.write(f"Anchored {len(written)} clinic chain(s) in {anchor_dir()}")
