from django.core.management.base import BaseCommand, CommandError

from portal.security.errors import CryptoError
from portal.security.services import keyring_retire_key


class Command(BaseCommand):
    help = (
        "Destroy an old encryption key. Refused while the key is current or any registered field or file "
        "still uses it. Backups made while it was in use can no longer be decrypted afterwards."
    )

    def add_arguments(self, parser):
        parser.add_argument("key_id")
        parser.add_argument("--dry-run", action="store_true", help="Check that the key is unused; change nothing.")

    def handle(self, *args, key_id, dry_run=False, **options):
        try:
            keyring_retire_key(key_id=key_id, dry_run=dry_run)
        except CryptoError as exc:
            raise CommandError(str(exc)) from None
        if dry_run:
            self.stdout.write(f"Key {key_id} is not used by any registered data; it could be retired.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Key {key_id} retired."))
