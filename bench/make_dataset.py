"""Generate the deterministic benchmark dataset (bulk inserts) into an empty database.

    python bench/make_dataset.py --scale small|default|tiny

A script of the benchmark rather than a management command: the portal's backbone knows nothing of
the benchmark, and the benchmark knows every app.
"""

import argparse
import os
import sys
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")


def main(argv: list[str] | None = None) -> int:
    from bench.dataset import SCALES

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="default")
    scale = parser.parse_args(argv).scale
    django.setup()

    from bench.dataset import generate
    from portal.accounts.models import User

    if User.objects.filter(email__endswith="@bench.annex.test").exists():
        print("This database already holds a benchmark dataset; use a fresh database.", file=sys.stderr)
        return 1
    # BENCH_ONLY without the controls part (bench/run.py) measures nothing that reads the audit trail or the rest
    # of the programme (the home page's data).
    only = {part.strip() for part in os.environ.get("BENCH_ONLY", "").split(",") if part.strip()}
    generate(scale, skip={"make_audit_events", "make_programme"} if only and "controls" not in only else set())
    return 0


if __name__ == "__main__":
    sys.exit(main())
