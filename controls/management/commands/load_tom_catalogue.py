from django.core.management.base import BaseCommand, CommandError

from controls.catalogue_loader import CATALOGUE_FILE, CatalogueError, load_catalogue


class Command(BaseCommand):
    help = "Load the TOM catalogue into the control inventory (idempotent; local edits are reported, not overwritten)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Report what would change and write nothing.")
        parser.add_argument("--file", default=str(CATALOGUE_FILE), help="Catalogue file (default: the shipped one).")

    def handle(self, *args, dry_run=False, file=None, **options):
        from pathlib import Path

        try:
            report = load_catalogue(dry_run=dry_run, path=Path(file))
        except CatalogueError as exc:
            raise CommandError(str(exc)) from exc
        prefix = "[dry run] would have " if dry_run else ""
        if report.created:
            self.stdout.write(f"{prefix}created {len(report.created)} controls: {', '.join(report.created)}")
        if report.updated:
            self.stdout.write(f"{prefix}updated {len(report.updated)} controls: {', '.join(report.updated)}")
        if report.statements_changed:
            self.stdout.write(f"{prefix}written {len(report.statements_changed)} category statements")
        for ref, fields in sorted(report.conflicts.items()):
            self.stdout.write(self.style.WARNING(
                f"conflict: {ref} was edited locally and the catalogue changed too ({', '.join(fields)}); "
                "kept the local version"
            ))
        if not report.changed:
            self.stdout.write(self.style.SUCCESS(
                f"Nothing to change: the catalogue is already loaded ({len(report.unchanged)} controls unchanged)."
            ))
        else:
            self.stdout.write(self.style.SUCCESS(f"{len(report.unchanged)} controls unchanged."))
        if report.conflicts:
            self.stdout.write(self.style.WARNING(f"{len(report.conflicts)} conflicts need a decision."))
