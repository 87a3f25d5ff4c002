from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from portal.core.services import metrics_snapshot_take


class Command(BaseCommand):
    help = "Store today's key figures of every app for the trend charts (one row per figure and day)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Compute and print the figures, store nothing.")
        parser.add_argument("--date", help="The day to record (YYYY-MM-DD); default today.")

    def handle(self, *args, dry_run=False, date=None, **options):
        try:
            day = _parse(date) if date else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--date must be YYYY-MM-DD: {exc}") from exc
        figures = metrics_snapshot_take(day=day, dry_run=dry_run)
        for source, values in figures.items():
            self.stdout.write(f"{source}: " + ", ".join(f"{key}={value:g}" for key, value in sorted(values.items())))
        self.stdout.write(("Would store" if dry_run else "Stored") + f" {sum(map(len, figures.values()))} figures "
                          f"for {day.isoformat()}.")


def _parse(value: str) -> date:
    return date.fromisoformat(value)
