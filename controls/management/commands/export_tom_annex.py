from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand

from controls.exports_annex import TOM_ANNEX
from portal.exports.registry import ALL_SUBJECTS_URL_KEY


class Command(BaseCommand):
    help = ("Render the TOM annex for one customer (or all) to a PDF file, synchronously, as the export job does; "
            "in the customer's contract language unless --language says otherwise. Short for "
            "`export_document --kind controls.tom_annex`.")

    def add_arguments(self, parser):
        parser.add_argument("--customer", required=True, help=f"customer slug, or {ALL_SUBJECTS_URL_KEY!r}")
        parser.add_argument("--output", required=True, type=Path, help="the PDF file to write")
        parser.add_argument("--language", default="",
                            help="de, en or bilingual; default: the customer's contract language")

    def handle(self, *args, customer, output, language="", **options):
        call_command("export_document", kind=TOM_ANNEX, subject=customer, output=str(output), language=language,
                     stdout=self.stdout, stderr=self.stderr)
