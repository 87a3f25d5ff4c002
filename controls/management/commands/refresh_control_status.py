from django.core.management.base import BaseCommand

from controls.services_status import controls_refresh_status


class Command(BaseCommand):
    help = (
        "Put controls whose evidence has all expired or whose review is overdue on 'needs attention', "
        "and return fixed ones to the status they had."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Report the changes without making them.")

    def handle(self, *args, dry_run=False, **options):
        report = controls_refresh_status(dry_run=dry_run)
        prefix = "would change" if dry_run else "changed"
        for change in report.changes:
            self.stdout.write(f"{prefix} {change.reference}: {change.before} -> {change.after} ({change.reason})")
        self.stdout.write(
            f"{report.checked} controls checked, {len(report.changes)} {prefix} on {report.today.isoformat()}."
        )
