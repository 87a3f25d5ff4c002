from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.exports.registry import ALL_SUBJECTS_URL_KEY, get_kind
from portal.exports.rendering import render_document
from portal.exports.selectors import subject_from_url

TOM_ANNEX = "controls.tom_annex"


class Command(BaseCommand):
    help = ("Render the TOM annex for one customer (or all) to a PDF file, synchronously, as the export job does; "
            "in the customer's contract language unless --language says otherwise.")

    def add_arguments(self, parser):
        parser.add_argument("--customer", required=True, help=f"customer slug, or {ALL_SUBJECTS_URL_KEY!r}")
        parser.add_argument("--output", required=True, type=Path, help="the PDF file to write")
        parser.add_argument("--language", default="",
                            help="de, en or bilingual; default: the customer's contract language")

    def handle(self, *args, customer, output, language="", **options):
        output = Path(output)
        try:
            kind = get_kind(TOM_ANNEX)
        except LookupError as exc:
            raise CommandError(str(exc)) from None
        subject_key = subject_from_url(customer)
        if subject_key not in dict(kind.subjects()):
            raise CommandError(f"no active customer with the slug {customer!r}")
        content = None
        if language:
            if language not in kind.languages or kind.language_snapshot is None:
                raise CommandError(f"--language must be one of {', '.join(kind.languages)}, not {language!r}")
            content = kind.language_snapshot(subject_key, language)
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(f".{output.name}.part")
        try:
            with partial.open("wb") as target:
                document = render_document(kind, subject_key, target, content=content)
            partial.replace(output)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        state = f"version {document.version.number}" if document.version else "draft (not published)"
        self.stdout.write(f"Wrote {output} ({state}, SHA-256 {document.printed_sha256})")
