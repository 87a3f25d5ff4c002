"""Prove the audit trail: every event's keyed link, no gaps, and the end against the latest signed checkpoint.

Exit 1 names the first bad event, a cut tail or a re-chained stretch.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from portal.audit.checkpoints import Checkpoint, CheckpointError
from portal.audit.verification import DEFAULT_CHUNK_SIZE, LATEST, verify_chain


class Command(BaseCommand):
    help = ("Verify the HMAC chain of the audit trail against the latest signed checkpoint; exits 1 naming the "
            "first altered, missing, reordered or re-chained event.")

    def add_arguments(self, parser):
        parser.add_argument("--from-seq", type=int, default=1,
                            help="Start at this event number, trusting its stored link to the one before.")
        parser.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK_SIZE,
                            help="Rows fetched per round trip (memory stays bounded by this).")
        parser.add_argument("--checkpoint", metavar="LINE",
                            help="Hold the trail against this checkpoint line (as the DPO's digest prints it) "
                                 "instead of the latest one on disk.")

    def handle(self, *args, from_seq: int, chunk_size: int, checkpoint: str | None, **options):
        if from_seq < 1:
            raise CommandError("--from-seq must be 1 or more")
        if chunk_size < 1:
            raise CommandError("--chunk-size must be 1 or more")
        against = LATEST
        if checkpoint:
            try:
                against = Checkpoint.from_line(checkpoint)
            except CheckpointError as exc:
                raise CommandError(str(exc)) from None
        started = time.perf_counter()
        report = verify_chain(from_seq=from_seq, chunk_size=chunk_size, checkpoint=against)
        elapsed = time.perf_counter() - started
        if not report.intact:
            raise CommandError(
                f"Audit trail BROKEN at {report.problem} ({report.checked} events before it verified)", returncode=1
            )
        rate = report.checked / elapsed if elapsed > 0 else 0
        span = f" (#{report.first_seq} to #{report.last_seq})" if report.checked else ""
        held = (f"; it reaches the checkpoint of {report.checkpoint.created_at} (#{report.checkpoint.seq})"
                if report.checkpoint else "; no checkpoint written yet")
        self.stdout.write(self.style.SUCCESS(
            f"Audit trail intact: {report.checked} events verified{span} in {elapsed:.2f} s "
            f"({rate:,.0f} events/s){held}."
        ))
