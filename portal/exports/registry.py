"""The export-kind registry that domain apps fill from their `exports.py` modules.

A kind says how to take a content snapshot (plain JSON) for a subject, how it becomes a file (a
template under templates/pdf/ rendered to PDF, or its own writer for spreadsheets and archives),
and who may request it. The backbone renders, stores, versions and
verifies documents without importing a domain app: ExportsConfig.ready() autodiscovers the
`exports` modules, and each registers its kinds here.

A snapshot is a dict with at least `title` and `subject_label`; versioned kinds also list their
measures as `sections[*]["items"]`, each item keyed by `reference`, which is what a diff compares.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO

# The subject of a document that covers every customer.
ALL_SUBJECTS = ""
ALL_SUBJECTS_URL_KEY = "all"

PDF_CONTENT_TYPE = "application/pdf"

_GERMAN_ASCII = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})

# writer(kind, content, target, progress): writes the finished file into `target`; progress takes 0-100.
Writer = Callable[["ExportKind", dict, BinaryIO, Callable[[int], None]], None]


@dataclass(frozen=True)
class ExportKind:
    """One kind of document that the export jobs can render."""

    name: str  # "<app>.<what>", stored on the job
    label: str
    template: str  # under templates/pdf/ ("" for a kind with its own writer that renders no PDF)
    # subject key -> JSON content (with per_user: subject key, requesting user -> the content that user may see);
    # raises LookupError for an unknown subject
    snapshot: Callable[..., dict]
    # (key, label) a user may choose from. Kinds about the same records (the active customers) pass one function,
    # so a page offering several kinds reads them once (subjects_available_of).
    subjects: Callable[[], list[tuple[str, str]]]
    permission: str  # "app_label.codename" needed to request it
    versioned: bool = False  # published versions, diffs and /verify apply
    notice_recipients: Callable[[str], list[tuple[str, str]]] | None = None  # subject -> [(name, email)]
    description: str = ""
    per_user: bool = False  # the content depends on who asks: the snapshot is taken with the requester's scope
    writer: Writer | None = None  # None: the template rendered to PDF
    extension: str = "pdf"
    content_type: str = PDF_CONTENT_TYPE
    # keys -> {key: content}, with a fixed number of queries: lists of every subject use it when given
    snapshots: Callable[[list[str]], dict[str, dict]] | None = None
    # (subject key, language) -> the content written in that contract language ("de", "en", "bilingual"),
    # whatever the subject's own; for kinds whose documents follow a contract language
    language_snapshot: Callable[[str, str], dict] | None = None
    languages: tuple[str, ...] = ()
    # A kind whose documents are verified by their content hash without a published version (a certificate):
    # sha256 -> {"title": ..., "facts": [(label, value), ...]} for the public /verify/ page, or None if unknown.
    verifier: Callable[[str], dict | None] | None = None
    # The email sent with a published version to notice_recipients: its template and subject line.
    notice_template: str = "exports/email/annex_published.txt"
    notice_subject: Callable[..., str] | None = None  # (version) -> subject; default: "<title>: version N published"
    # user -> the subjects that user may choose from, for kinds whose subjects are need-to-know (an incident
    # case): used instead of subjects() wherever a user asks
    subjects_for: Callable[..., list[tuple[str, str]]] | None = None
    # Versioned kinds whose publishing follows the subject's contract (the TOM annex):
    # subject -> what blocks publishing now, each {"reference", "title", "reason"}; publishing waits for none.
    publish_blockers: Callable[[str], list[dict]] | None = None
    # (subject, publication day) -> the day the version takes effect (after the subject's notice period).
    effective_on: Callable[[str, Any], Any] | None = None
    # (version) -> called in the publishing transaction, after the version is saved: its notices, its audit.
    on_publish: Callable[[Any], None] | None = None
    # (content, version or None) -> more for the document's context (page 1's "supersedes", "next review").
    document_extra: Callable[[dict, Any], dict] | None = None
    # [latest version of each subject] -> {version pk: [what it states that is no longer true]}
    overstated: Callable[[list], dict[int, list[str]]] | None = None
    # A note shown on a subject's annex page: subject -> text ("" for none).
    subject_note: Callable[[str], str] | None = None
    # (subject) -> the template and context of a kind's own part of the subject's annex page
    subject_panel: Callable[[str], dict] | None = None

    # When set, the kind also covers all subjects at once (ALL_SUBJECTS), offered first under this label.
    whole_set_label: str = ""

    def subject_choices(self, subjects: list[tuple[str, str]] | None = None) -> list[tuple[str, str]]:
        """Every (key, label) the kind can be made for: the whole set first where it has one, then `subjects()`."""
        subjects = self.subjects() if subjects is None else subjects
        return [(ALL_SUBJECTS, str(self.whole_set_label)), *subjects] if self.whole_set_label else list(subjects)

    def subjects_available(self, user) -> list[tuple[str, str]]:
        """The (key, label) subjects `user` may request this kind for."""
        return self.subjects_for(user) if self.subjects_for is not None else self.subject_choices()

    def content(self, subject_key: str, user=None) -> dict:
        """The content snapshot for a subject, as the requesting user may see it."""
        if self.per_user:
            if user is None:
                raise ValueError(f"{self.label} is made for a requesting user; none was given")
            return self.snapshot(subject_key, user)
        return self.snapshot(subject_key)

    def filename(self, snapshot: dict, *, version: int | None = None) -> str:
        from django.utils.text import slugify

        words = f"{snapshot.get('title', self.label)} {snapshot.get('subject_label', '')}"
        # German spelling's own ASCII forms: "Maßnahmen" becomes "massnahmen", not "manahmen".
        stem = slugify(words.translate(_GERMAN_ASCII)) or "export"
        return f"{stem}-v{version}.{self.extension}" if version else f"{stem}.{self.extension}"


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


def subjects_available_of(chosen: list[ExportKind], user) -> list[tuple[ExportKind, list[tuple[str, str]]]]:
    """Each kind with the subjects `user` may request it for; a subjects function that kinds share runs once."""
    read: dict[Callable, list[tuple[str, str]]] = {}
    result = []
    for kind in chosen:
        if kind.subjects_for is not None:
            result.append((kind, kind.subjects_for(user)))
            continue
        if kind.subjects not in read:
            read[kind.subjects] = kind.subjects()
        result.append((kind, kind.subject_choices(read[kind.subjects])))
    return result
