import base64
import importlib
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import module_has_submodule
from django_otp.oath import totp

from portal.accounts.demo import DEMO_PASSWORD, seed_users
from portal.audit.checkpoints import checkpoint_write


class Command(BaseCommand):
    help = "Load the demo organisation: one account per role and sample data for every app (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--quiet-accounts", action="store_true", help="Do not print the demo accounts.")

    def handle(self, *args, quiet_accounts=False, **options):
        if not settings.ANNEX_DEMO_MODE:
            raise CommandError("seed_demo only runs with ANNEX_DEMO_MODE=true (never in production).")
        accounts = seed_users()
        marker = Path(settings.ANNEX_DEMO_MARKER)
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text("This installation holds Annex's demo data (manage.py seed_demo).\n")
        # Each app may ship a demo module with seed(stdout). Domain apps run first, so the backbones'
        # demos (exports publishing an annex, notifications) find the domain data they build on.
        configs = sorted(apps.get_app_configs(), key=lambda c: c.name.startswith("portal."))
        for config in configs:
            if config.name != "portal.accounts" and module_has_submodule(config.module, "demo"):
                importlib.import_module(f"{config.name}.demo").seed(stdout=self.stdout)
        # A signed checkpoint of the trail the demos wrote, as beat writes one every hour.
        checkpoint_write()
        if quiet_accounts:
            return
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(f"Demo accounts (password for all: {DEMO_PASSWORD})"))
        self.stdout.write(f"{'email':<32} {'roles':<22} {'TOTP secret (base32)':<34} code now")
        for user, device, roles in accounts:
            secret = base64.b32encode(device.bin_key).decode().rstrip("=")
            code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
            self.stdout.write(f"{user.email:<32} {', '.join(roles):<22} {secret:<34} {code}")
        self.stdout.write("Add a secret to an authenticator app, or run `manage.py demo_totp EMAIL` for a code.")
