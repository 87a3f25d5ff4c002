"""Back up the database, the encrypted file store and the key ring (to a destination of its own)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.core.backup import BackupError, backup_make, backups_prune


class Command(BaseCommand):
    help = ("Write a backup: the database and the encrypted file store to --output, the key ring to --keys-output "
            "(never beside the data), each set with a manifest of SHA-256 sums. docs/deployment.md has the schedule.")

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, type=Path, help="Where the data set goes.")
        parser.add_argument("--keys-output", required=True, type=Path,
                            help="Where the key set goes: another disk, host or vault than --output.")
        parser.add_argument("--keep-days", type=int, default=None,
                            help="Afterwards, delete the sets in both destinations older than this many days "
                                 "(default BACKUP_RETENTION_DAYS, which deletion certificates promise; 0 keeps all).")

    def handle(self, *args, output: Path, keys_output: Path, keep_days: int | None, **options):
        keep_days = settings.BACKUP_RETENTION_DAYS if keep_days is None else keep_days
        if keep_days < 0:
            raise CommandError("--keep-days must be 0 (keep all) or more")
        try:
            sets = backup_make(output=output, keys_output=keys_output)
        except (BackupError, OSError) as exc:
            raise CommandError(f"Backup failed, nothing written: {exc}") from None
        parts = sets.manifest["parts"]
        files = parts["files.tar"]["files"]
        self.stdout.write(self.style.SUCCESS(f"Backup written: {sets.data} ({len(parts)} parts, {files} stored files)"))
        self.stdout.write(f"Key set written: {sets.keys}")
        if keep_days:
            for folder in backups_prune(output=output, keys_output=keys_output, keep_days=keep_days):
                self.stdout.write(f"Deleted (older than {keep_days} days): {folder}")
