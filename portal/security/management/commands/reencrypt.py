from django.core.management.base import BaseCommand, CommandError

from portal.security.errors import CryptoError
from portal.security.services import encrypted_data_reencrypt


class Command(BaseCommand):
    help = (
        "Re-encrypt every registered encrypted field and file that uses an older key under the current key. "
        "Safe to interrupt and run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what uses which key; change nothing.")
        parser.add_argument("--batch-size", type=int, default=500, help="Rows read per database round trip.")

    def handle(self, *args, dry_run=False, batch_size=500, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        try:
            report = encrypted_data_reencrypt(dry_run=dry_run, batch_size=batch_size)
        except CryptoError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Current key: {report.current_key_id}")
        if not report.found:
            self.stdout.write("Nothing encrypted is registered or stored yet.")
        for label, counts in sorted(report.found.items()):
            by_key = ", ".join(f"{kid}: {n}" for kid, n in sorted(counts.items()))
            self.stdout.write(f"  {label}: {by_key}")
        if dry_run:
            self.stdout.write(f"Dry run: {report.not_current} value(s) or file(s) on older keys; nothing changed.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Re-encrypted {report.total_reencrypted} value(s) or file(s)."))
            for label, n in sorted(report.changed_meanwhile.items()):
                self.stdout.write(f"  {label}: {n} row(s) were rewritten by the portal meanwhile (already current)")
        for failure in report.failures:
            self.stderr.write(f"  failed: {failure}")
        if report.failures:
            raise CommandError(f"{len(report.failures)} value(s) or file(s) could not be re-encrypted")
