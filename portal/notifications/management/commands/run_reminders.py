from datetime import date

from django.core.management.base import BaseCommand, CommandError

from portal.notifications import registry
from portal.notifications.services import Notice
from portal.notifications.sweep import reminders_sweep


class Command(BaseCommand):
    help = "Run the reminder sweep now: create (and queue the email for) every reminder that is due."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Print what would be sent; change nothing.")
        parser.add_argument("--date", help="Sweep as if today were this date (YYYY-MM-DD).")
        parser.add_argument("--rule", action="append", dest="rules", help="Only this rule (repeatable).")

    def handle(self, *args, dry_run=False, date=None, rules=None, verbosity=1, **options):
        today = self._parse_date(date)
        known = {rule.name for rule in registry.rules()}
        unknown = sorted(set(rules or ()) - known)
        if unknown:
            raise CommandError(f"Unknown rule(s): {', '.join(unknown)}. Registered: {', '.join(sorted(known))}")

        def show(notice: Notice, is_new: bool) -> None:
            if verbosity < 2 and not is_new:
                return
            verb = ("would send" if dry_run else "sent") if is_new else "already sent"
            who = notice.recipient.email + (" (escalation)" if notice.escalation else "")
            self.stdout.write(f"{verb}: {notice.reason} {notice.subject_type}#{notice.subject_id} "
                              f"due {notice.due_date} {notice.offset_days:+d}d to {who}: {notice.title}")

        # --verbosity 0 prints only the summary (a sweep can create hundreds of thousands of notices).
        report = reminders_sweep(today=today, dry_run=dry_run, rule_names=rules,
                                 on_notice=show if verbosity > 0 else None)
        summary = (f"Dry run for {report.today}: {report.due} reminder(s) due, nothing changed."
                   if dry_run else
                   f"Sweep for {report.today}: {report.due} reminder(s) due, {report.created} new, "
                   f"{report.emails_queued} email(s) queued.")
        self.stdout.write(self.style.SUCCESS(summary))

    @staticmethod
    def _parse_date(value: str | None):
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise CommandError(f"--date must be YYYY-MM-DD, got {value!r}") from None
