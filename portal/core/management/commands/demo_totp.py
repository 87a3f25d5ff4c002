from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp

from portal.accounts.models import TOTPDevice


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo account (demo mode only)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        if not settings.ANNEX_DEMO_MODE:
            raise CommandError("demo_totp only runs with ANNEX_DEMO_MODE=true (never in production).")
        device = TOTPDevice.objects.filter(user__email__iexact=email, confirmed=True).first()
        if device is None:
            raise CommandError(f"No confirmed TOTP device for {email}")
        self.stdout.write(f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}")
