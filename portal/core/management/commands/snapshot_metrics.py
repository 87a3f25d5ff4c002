from django.core.management.base import BaseCommand
from django.utils import timezone

from portal.core.services import metrics_snapshot_take


class Command(BaseCommand):
    help = "Store today's key figures of every app for the trend charts (one row per figure and day)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Compute and print the figures, store nothing.")

    def handle(self, *args, dry_run=False, **options):
        # Only today: the figures are read from the register as it is now, so a past day cannot be recorded.
        day = timezone.localdate()
        figures = metrics_snapshot_take(day=day, dry_run=dry_run)
        for source, values in figures.items():
            self.stdout.write(f"{source}: " + ", ".join(f"{key}={value:g}" for key, value in sorted(values.items())))
        self.stdout.write(("Would store" if dry_run else "Stored") + f" {sum(map(len, figures.values()))} figures "
                          f"for {day.isoformat()}.")
