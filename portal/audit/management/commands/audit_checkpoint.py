"""Write a signed checkpoint of the audit chain's head outside the database (beat does it every hour)."""

from django.core.management.base import BaseCommand

from portal.audit.checkpoints import checkpoint_write


class Command(BaseCommand):
    help = "Sign the audit chain's head and store it in ANNEX_AUDIT_CHECKPOINT_DIR; prints the checkpoint line."

    def handle(self, *args, **options):
        checkpoint = checkpoint_write()
        if checkpoint is None:
            self.stdout.write("The audit trail is empty: no checkpoint written.")
            return
        self.stdout.write(checkpoint.as_line())
