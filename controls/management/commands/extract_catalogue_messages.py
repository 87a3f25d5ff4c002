from django.core.management.base import BaseCommand, CommandError

from controls.catalogue_loader import CatalogueError
from controls.catalogue_messages import extract, po_path


class Command(BaseCommand):
    help = ("Write the TOM catalogue's texts into locale/<language>/LC_MESSAGES/tom_catalogue.po, keeping every "
            "translation whose English text is unchanged (new and changed texts get empty entries).")

    def add_arguments(self, parser):
        parser.add_argument("--language", action="append", dest="languages",
                            help="Language to write (repeatable; default: de).")
        parser.add_argument("--check", action="store_true",
                            help="Write nothing; fail if a file is out of date or has an untranslated entry.")

    def handle(self, *args, languages=None, check=False, **options):
        problems = []
        for language in languages or ["de"]:
            try:
                text, report = extract(language)
            except CatalogueError as exc:
                raise CommandError(str(exc)) from exc
            path = po_path(language)
            current = path.read_text(encoding="utf-8") if path.exists() else ""
            stale = current != text
            summary = (f"{path}: {report['entries']} entries, {len(report['new'])} new, "
                       f"{len(report['untranslated'])} untranslated, {len(report['obsolete'])} obsolete")
            if check:
                if stale:
                    problems.append(f"{path} is out of date; run manage.py extract_catalogue_messages")
                problems += [f"{path}: untranslated: {msgid[:70]}" for msgid in report["untranslated"]]
            elif stale:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
            self.stdout.write(summary + ("" if stale else " (unchanged)"))
        if problems:
            raise CommandError("\n".join(problems))
