"""A small reader of gettext .po files, enough to check the catalogues (no third-party parser needed)."""

import ast
from dataclasses import dataclass, field
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parents[2] / "locale"


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str = ""
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    comments: list[str] = field(default_factory=list)
    obsolete: bool = False

    @property
    def translations(self) -> list[str]:
        return [self.msgstr[k] for k in sorted(self.msgstr)]


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file, header included (msgid "")."""
    entries, entry, target = [], Entry(), None

    def finish():
        nonlocal entry, target
        if target is not None:
            entries.append(entry)
        entry, target = Entry(), None

    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            finish()
            continue
        if line.startswith("#~"):
            entry.obsolete = True
            continue
        if line.startswith("#,"):
            entry.flags.update(f.strip() for f in line[2:].split(","))
            continue
        if line.startswith("#"):
            entry.comments.append(line)
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            value = ast.literal_eval(line)
        else:
            value = ast.literal_eval(rest)
            if keyword == "msgid":
                if target is not None and target != "msgid":
                    finish()
                target = "msgid"
            elif keyword == "msgid_plural":
                target = "msgid_plural"
            elif keyword.startswith("msgstr"):
                target = int(keyword[7:-1]) if keyword.startswith("msgstr[") else 0
            value_target = target
            _append(entry, value_target, value, first=True)
            continue
        _append(entry, target, value, first=False)
    finish()
    return entries


def _append(entry: Entry, target, value: str, *, first: bool) -> None:
    if target == "msgid":
        entry.msgid = value if first else entry.msgid + value
    elif target == "msgid_plural":
        entry.msgid_plural = value if first else entry.msgid_plural + value
    elif isinstance(target, int):
        entry.msgstr[target] = value if first else entry.msgstr.get(target, "") + value


def catalogue(language: str, domain: str = "django") -> list[Entry]:
    return [e for e in read_po(LOCALE_DIR / language / "LC_MESSAGES" / f"{domain}.po") if e.msgid and not e.obsolete]
