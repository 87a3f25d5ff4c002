from django.core.management.base import BaseCommand, CommandError

from portal.accounts.models import User


class Command(BaseCommand):
    help = "Generate the deterministic benchmark dataset (bulk inserts). Run on an empty database."

    def add_arguments(self, parser):
        from bench.dataset import SCALES

        parser.add_argument("--scale", choices=sorted(SCALES), default="default")

    def handle(self, *args, scale, **options):
        from bench.dataset import generate

        if User.objects.filter(email__endswith="@bench.annex.test").exists():
            raise CommandError("This database already holds a benchmark dataset; use a fresh database.")
        generate(scale, log=self.stdout.write)
