"""Assess a breach by the ENISA method: one JSON object in, one JSON object out.

Exit status 0 with the result on stdout; 2 with a message naming the field on stderr for invalid input.
"""

import json
import sys

from django.core.management.base import BaseCommand

from incidents.assessment import AssessmentInputError, assess

INVALID_INPUT = 2


class Command(BaseCommand):
    help = "Score a personal data breach (ENISA) and recommend notification: reads FILE.json ('-' for stdin)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="A JSON file holding one object; '-' reads standard input.")

    def handle(self, *args, file: str, **options):
        try:
            if file == "-":
                data = json.load(sys.stdin)
            else:
                with open(file, encoding="utf-8") as handle:
                    data = json.load(handle)
        except OSError as exc:
            self._fail(f"input: cannot read {file}: {exc.strerror or exc}")
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            self._fail(f"input: not valid JSON ({exc})")
        try:
            result = assess(data)
        except AssessmentInputError as exc:
            self._fail(f"invalid field {exc.field!r}: {exc.message}")
        self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))

    def _fail(self, message: str):
        self.stderr.write(message)
        sys.exit(INVALID_INPUT)
