"""The export-kind registry that domain apps fill from their `exports.py` modules.

A kind says how to take a content snapshot (plain JSON) for a subject, which template under
templates/pdf/ renders it, and who may request it. The backbone renders, stores, versions and
verifies documents without importing a domain app: ExportsConfig.ready() autodiscovers the
`exports` modules, and each registers its kinds here.

A snapshot is a dict with at least `title` and `subject_label`; versioned kinds also list their
measures as `sections[*]["items"]`, each item keyed by `reference`, which is what a diff compares.
"""

from collections.abc import Callable
from dataclasses import dataclass

# The subject of a document that covers every customer.
ALL_SUBJECTS = ""
ALL_SUBJECTS_URL_KEY = "all"


@dataclass(frozen=True)
class ExportKind:
    """One kind of document that the export jobs can render."""

    name: str  # "<app>.<what>", stored on the job
    label: str
    template: str  # under templates/pdf/
    snapshot: Callable[[str], dict]  # subject key -> JSON content; raises LookupError for an unknown subject
    subjects: Callable[[], list[tuple[str, str]]]  # (key, label) a user may choose from
    permission: str  # "app_label.codename" needed to request it
    versioned: bool = False  # published versions, diffs and /verify apply
    notice_recipients: Callable[[str], list[tuple[str, str]]] | None = None  # subject -> [(name, email)]
    description: str = ""

    def filename(self, snapshot: dict, *, version: int | None = None) -> str:
        from django.utils.text import slugify

        stem = slugify(f"{snapshot.get('title', self.label)} {snapshot.get('subject_label', '')}") or "export"
        return f"{stem}-v{version}.pdf" if version else f"{stem}.pdf"


_KINDS: dict[str, ExportKind] = {}


def register(kind: ExportKind) -> ExportKind:
    if kind.name in _KINDS and _KINDS[kind.name] is not kind:
        raise ValueError(f"an export kind named {kind.name!r} is already registered")
    _KINDS[kind.name] = kind
    return kind


def unregister(name: str) -> None:
    _KINDS.pop(name, None)


def kinds() -> list[ExportKind]:
    return [_KINDS[name] for name in sorted(_KINDS)]


def get_kind(name: str) -> ExportKind:
    """The registered kind; LookupError for a name no app registered."""
    try:
        return _KINDS[name]
    except KeyError:
        raise LookupError(f"no export kind named {name!r}") from None


def kinds_for(user) -> list[ExportKind]:
    return [kind for kind in kinds() if user.has_perm(kind.permission)]
