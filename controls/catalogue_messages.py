"""The catalogue's texts as gettext messages: what `extract_catalogue_messages` writes into
locale/<language>/LC_MESSAGES/tom_catalogue.po and what controls.catalogue_i18n looks up.

Each message id is the English text exactly as load_tom_catalogue stores it (a folded YAML scalar becomes one
line), so the lookup of an untouched control finds its entry and a locally edited one finds none. Re-extracting
keeps every translation whose English text is unchanged; a new or changed text gets an empty entry (the
catalogue tests then name it) and a text no longer in the catalogue is kept as an obsolete entry (#~) for reuse.
"""

import ast
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from controls.catalogue_i18n import DOMAIN
from controls.catalogue_loader import CATALOGUE_FILE, folded, read_catalogue

HEADER = ("Project-Id-Version: Annex TOM catalogue {version}", "PO-Revision-Date: {date}",
          "Last-Translator: Annex maintainers", "Language-Team: Annex", "Language: {language}", "MIME-Version: 1.0",
          "Content-Type: text/plain; charset=UTF-8", "Content-Transfer-Encoding: 8bit",
          "Plural-Forms: nplurals=2; plural=(n != 1);")
WIDTH = 79


@dataclass
class Message:
    msgid: str
    msgstr: str = ""
    places: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)


def po_path(language: str) -> Path:
    return Path(settings.LOCALE_PATHS[0]) / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def catalogue_messages(path: Path = CATALOGUE_FILE) -> tuple[str, list[Message]]:
    """The catalogue's version and every text the annex looks up, in file order, each with where it comes from."""
    data = read_catalogue(path)
    found: dict[str, Message] = {}

    def add(text: str, place: str) -> None:
        if text:
            found.setdefault(text, Message(text)).places.append(place)

    for service in data.get("services", []):
        add(service["name"], f"service {service['slug']}: name")
    for category in data.get("categories", []):
        add(folded(category["statement"]), f"category {category['id']}: statement")
    for control in data.get("controls", []):
        add(control["title"].strip(), f"{control['reference']}: title")
        add(folded(control["description"]), f"{control['reference']}: description")
    return str(data.get("version", "")), list(found.values())


def read_po(path: Path) -> dict[str, Message]:
    """The entries of a .po file but its obsolete ones; the header is the entry with the message id ""."""
    messages: dict[str, Message] = {}
    if not path.exists():
        return messages
    current, target, flags = None, None, set()

    def finish():
        nonlocal current, target, flags
        if current is not None:
            messages[current.msgid] = current
        current, target, flags = None, None, set()

    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            finish()
        elif line.startswith("#~"):
            continue
        elif line.startswith("#,"):
            flags |= {f.strip() for f in line[2:].split(",") if f.strip()}
        elif line.startswith("#"):
            continue
        elif line.startswith("msgid "):
            current, target = Message(ast.literal_eval(line[6:]), flags=flags), "msgid"
        elif line.startswith("msgstr "):
            current.msgstr, target = ast.literal_eval(line[7:]), "msgstr"
        elif line.startswith('"') and current is not None:
            setattr(current, target, getattr(current, target) + ast.literal_eval(line))
    return messages


def _quoted(keyword: str, text: str, prefix: str = "") -> list[str]:
    """`keyword "text"`, wrapped after spaces like msgmerge does when the line would be too long."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    if len(prefix) + len(keyword) + len(escaped) + 3 <= WIDTH:
        return [f'{prefix}{keyword} "{escaped}"']
    words = escaped.split(" ")
    chunks, line = [], ""
    for i, word in enumerate(words):
        piece = word + (" " if i < len(words) - 1 else "")
        if line and len(prefix) + len(line) + len(piece) + 2 > WIDTH:
            chunks.append(line)
            line = piece
        else:
            line += piece
    chunks.append(line)
    return [f'{prefix}{keyword} ""'] + [f'{prefix}"{chunk}"' for chunk in chunks if chunk]


def _header(language: str, version: str, old: Message | None) -> list[str]:
    """The header's lines: the catalogue's version, the rest as the translators last left it."""
    fields = [line.format(version=version, language=language, date=timezone.now().strftime("%Y-%m-%d %H:%M%z"))
              for line in HEADER]
    if old is not None and old.msgstr:
        fields = [f"Project-Id-Version: Annex TOM catalogue {version}"] + [
            line for line in old.msgstr.splitlines() if line and not line.startswith("Project-Id-Version:")]
    return [f'"{line}\\n"' for line in fields]


def render_po(language: str, version: str, messages: list[Message], obsolete: list[Message],
              header: Message | None = None) -> str:
    out = ["# The TOM catalogue (controls/catalogue/tom_catalogue.yaml) in this language.",
           "# Written by `manage.py extract_catalogue_messages`; translate the msgstr lines only.",
           'msgid ""', 'msgstr ""', *_header(language, version, header), ""]
    for message in messages:
        out += [f"#. {place}" for place in message.places]
        if message.flags:
            out.append("#, " + ", ".join(sorted(message.flags)))
        out += _quoted("msgid", message.msgid) + _quoted("msgstr", message.msgstr) + [""]
    for message in obsolete:
        out += _quoted("msgid", message.msgid, "#~ ") + _quoted("msgstr", message.msgstr, "#~ ") + [""]
    return "\n".join(out)


def extract(language: str, *, path: Path = CATALOGUE_FILE) -> tuple[str, dict]:
    """The .po text for `language` from the catalogue and the current file, and what changed."""
    version, messages = catalogue_messages(path)
    existing = read_po(po_path(language))
    for message in messages:
        old = existing.get(message.msgid)
        if old is not None:
            message.msgstr, message.flags = old.msgstr, old.flags
    header = existing.pop("", None)
    wanted = {m.msgid for m in messages}
    obsolete = [m for msgid, m in existing.items() if msgid not in wanted and m.msgstr]
    report = {"entries": len(messages), "new": [m.msgid for m in messages if m.msgid not in existing],
              "untranslated": [m.msgid for m in messages if not m.msgstr],
              "obsolete": [m.msgid for m in obsolete]}
    return render_po(language, version, messages, obsolete, header), report
