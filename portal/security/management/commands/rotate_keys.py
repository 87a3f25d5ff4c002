from django.core.management.base import BaseCommand, CommandError

from portal.security.errors import KeyringError
from portal.security.services import keyring_rotate


class Command(BaseCommand):
    help = (
        "Add a fresh encryption key and make it current. Older keys stay readable; "
        "run reencrypt next, then retire_key for the old key."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Show the current key and change nothing.")

    def handle(self, *args, dry_run=False, **options):
        try:
            key_id = keyring_rotate(dry_run=dry_run)
        except KeyringError as exc:
            raise CommandError(str(exc)) from None
        if dry_run:
            self.stdout.write(f"Current key: {key_id}. Dry run: a new key would be added and made current.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Key {key_id} added and made current."))
            self.stdout.write("Run `manage.py reencrypt` to move stored data to it.")
