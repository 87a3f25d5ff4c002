"""Process leavers and create the training assignments that are due; `--dry-run` only counts them."""

from django.core.management.base import BaseCommand

from training.services_directory import leavers_process
from training.sweep import assignments_sweep


class Command(BaseCommand):
    help = "Create and renew training assignments (the nightly sweep). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would be assigned; change nothing.")

    def handle(self, *args, dry_run=False, **options):
        if not dry_run:
            left = leavers_process()
            if left:
                self.stdout.write(f"{left} leaver(s) deactivated.")
        result = assignments_sweep(dry_run=dry_run)
        verb = "would be created" if dry_run else "created"
        self.stdout.write(f"{result.created} assignment(s) {verb}.")
        for title, count in sorted(result.by_course.items()):
            self.stdout.write(f"  {title}: {count}")
