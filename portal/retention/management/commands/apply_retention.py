"""Apply the retention schedule to Annex's own records; --dry-run lists what a run would do."""

from django.core.management.base import BaseCommand, CommandError

from portal.retention import engine
from portal.retention.models import RetentionRun


class Command(BaseCommand):
    help = "Delete or anonymise the records whose retention period has passed (legal holds respected)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true",
                            help="List per policy how many records would be deleted or anonymised; change nothing.")

    def handle(self, *args, dry_run: bool, **options):
        if dry_run:
            rows = engine.preview()
            self.stdout.write(f"{'policy':<22} {'target':<32} {'action':<10} {'due':>9} {'held':>7} {'handled':>9}")
            for row in rows:
                policy = row.policy.key if row.policy else "(no policy)"
                handled = row.to_handle if row.action != "review" else 0
                self.stdout.write(f"{policy:<22} {row.target.name:<32} {row.action:<10} {row.due:>9} {row.held:>7}"
                                  f" {handled:>9}")
            self.stdout.write(self.style.SUCCESS("Dry run: nothing was changed."))
            return
        try:
            run = engine.retention_run_start(trigger=RetentionRun.Trigger.COMMAND)
        except engine.RetentionBusy as exc:
            raise CommandError(str(exc)) from None
        try:
            run = engine.retention_run_execute(run_id=run.pk)
        except Exception as exc:
            raise CommandError(f"Retention run {run.pk} interrupted ({exc}); run the command again to resume it.") \
                from exc
        for name, entry in sorted(run.counts.items()):
            self.stdout.write(f"{entry.get('policy', ''):<22} {name:<32} {entry.get('action', ''):<10} "
                              f"{entry.get('done', 0):>9} held {entry.get('held', 0)}")
        self.stdout.write(self.style.SUCCESS(f"Retention run {run.pk} completed: {run.total_done} records handled."))
