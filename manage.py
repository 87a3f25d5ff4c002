#!/usr/bin/env python
import os
import secrets
import sys

# Commands that only read the code (no request served, nothing signed, encrypted or sent) run without a configured
# secret, so a fresh clone can check its migrations and messages before anything is set up. Every other command
# needs SECRET_KEY (or DEBUG=true, or the key `make run` keeps under var/), as the settings say.
CODE_ONLY_COMMANDS = {"makemigrations", "makemessages", "compilemessages"}


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    if len(sys.argv) > 1 and sys.argv[1] in CODE_ONLY_COMMANDS:
        os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))  # never used: nothing is signed
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
