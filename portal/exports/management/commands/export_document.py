from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.exports.registry import ALL_SUBJECTS_URL_KEY, get_kind, kinds
from portal.exports.rendering import render_document
from portal.exports.selectors import subject_from_url


class Command(BaseCommand):
    help = ("Render one document of a registered export kind for a subject, synchronously, as the export job "
            "does; --kind names a registered export kind, --subject one of its subjects.")

    def add_arguments(self, parser):
        parser.add_argument("--kind", required=True, help="a registered export kind (\"<app>.<what>\")")
        parser.add_argument("--subject", required=True, help=f"the subject's key, or {ALL_SUBJECTS_URL_KEY!r}")
        parser.add_argument("--output", required=True, type=Path, help="the file to write")
        parser.add_argument("--language", default="",
                            help="for kinds written in a contract language (de, en or bilingual); "
                                 "default: the subject's own")

    def handle(self, *args, kind, subject, output, language="", **options):
        output = Path(output)
        try:
            export_kind = get_kind(kind)
        except LookupError:
            names = ", ".join(k.name for k in kinds() if not k.per_user) or "none"
            raise CommandError(f"no export kind named {kind!r}; the kinds are: {names}") from None
        if export_kind.per_user:
            raise CommandError(f"{export_kind.label} is made for a requesting user; request it from /exports/")
        subject_key = subject_from_url(subject)
        if subject_key not in dict(export_kind.subject_choices()):
            raise CommandError(f"{export_kind.label} has no subject {subject!r}")
        content = None
        if language:
            if export_kind.language_snapshot is None:
                raise CommandError(f"{export_kind.label} is not written in a contract language; leave out --language")
            if language not in export_kind.languages:
                raise CommandError(f"--language must be one of {', '.join(export_kind.languages)}, not {language!r}")
            content = export_kind.language_snapshot(subject_key, language)
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(f".{output.name}.part")
        try:
            with partial.open("wb") as target:
                document = render_document(export_kind, subject_key, target, content=content)
            partial.replace(output)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        state = f"version {document.version.number}" if document.version else "draft (not published)"
        self.stdout.write(f"Wrote {output} ({state}, SHA-256 {document.printed_sha256})")
