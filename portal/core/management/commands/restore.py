"""Restore a backup into an empty installation, then prove the audit trail, the files and the published documents."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.core.backup import BackupError
from portal.core.restore import backup_restore, installation_check


class Command(BaseCommand):
    help = ("Restore a backup made by `backup` into an empty database, file store and key ring, then check it. "
            "With --check-only, check this installation as it is (a restore drill's last step).")

    def add_arguments(self, parser):
        parser.add_argument("--input", type=Path, help="The data set, e.g. /backups/annex-backup-20260509T020000Z.")
        parser.add_argument("--keys-input", type=Path, help="Its key set, e.g. /keys/annex-keys-20260509T020000Z.")
        parser.add_argument("--check-only", action="store_true",
                            help="Restore nothing; verify the audit trail, every stored file and published document.")

    def handle(self, *args, input: Path | None, keys_input: Path | None, check_only: bool, **options):
        if not check_only:
            if input is None or keys_input is None:
                raise CommandError("name the data set with --input and its key set with --keys-input")
            try:
                restored = backup_restore(data=input, keys=keys_input)
            except (BackupError, OSError) as exc:
                raise CommandError(f"Restore stopped: {exc}") from None
            self.stdout.write(self.style.SUCCESS(
                f"Restored {restored['name']}: {restored['database']} database, {restored['files']} stored files."))
            self.stdout.write("Records deleted since this backup was made are back: run `manage.py apply_retention` "
                              "now (docs/retention.md).")
        report = installation_check()
        files = ", ".join(f"{label} {count}" for label, count in sorted(report.files.items())) or "none"
        self.stdout.write(f"Audit trail: {report.audit_events} events verified.")
        self.stdout.write(f"Stored files decrypted to their recorded SHA-256: {files}.")
        self.stdout.write(f"Published documents verified: {report.documents}.")
        if not report.ok:
            for problem in report.problems:
                self.stderr.write(f"PROBLEM: {problem}")
            raise CommandError(f"{len(report.problems)} problems found", returncode=1)
        self.stdout.write(self.style.SUCCESS("Everything verifies."))
