"""The programme report: the posture cards, the 90-day trends and the open findings as one PDF, for management or
an auditor, in the requester's language. It goes through the export framework like every document (PDF/A, a
content fingerprint and a QR code), and /verify/ confirms a report that Annex issued.

The content is what the requester may see: the cards, trends and findings of their permissions, as on their home
page, computed afresh rather than taken from the home page's one-minute cache.
"""

from django.conf import settings
from django.db.models import Q
from django.template.defaultfilters import floatformat
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core.dashboard import POSTURE_PERMISSION, findings_for, posture_for
from portal.core.selectors import trends_for
from portal.exports.models import ExportJob
from portal.exports.registry import ALL_SUBJECTS, ExportKind, register

PROGRAMME_REPORT = "core.programme_report"
PROGRAMME_REPORT_PERMISSION = POSTURE_PERMISSION
FINDINGS_PER_CARD = 50


def _language(user) -> str:
    """The requester's chosen language; else the language of the request that asked (or the default)."""
    chosen = getattr(user, "language", "")
    return chosen if chosen in dict(settings.LANGUAGES) else (translation.get_language() or settings.LANGUAGE_CODE)


def _number(value, unit: str = "") -> str:
    """A figure as the report prints it, in the report's language: "75.5 %", "1,204", "—"."""
    if value is None:
        return "—"
    return floatformat(value, "-1g") + (f" {unit}" if unit else "")


def _card(card: dict) -> dict:
    data = card["data"]
    return {
        "title": str(card["title"]),
        "figures": [{"label": str(f.label), "value": _number(f.value, f.unit), "tone": f.tone} for f in data.figures],
        "tables": [{"caption": str(t.caption), "columns": [str(c) for c in t.columns],
                    "rows": [[str(label), *(_number(value, unit) for value, unit in cells)]
                             for label, _url, cells in t.body]} for t in data.tables],
        "note": str(data.note),
    }


def _trend(trend: dict) -> dict:
    source = trend["source"]
    return {
        "name": source.name, "title": str(source.title), "unit": source.unit, "kind": source.kind,
        "days": [day.isoformat() for day in trend["days"]],
        "series": [{"key": s["key"], "label": str(s["label"]), "values": s["values"]} for s in trend["series"]],
    }


def programme_snapshot(subject_key: str, user) -> dict:
    """The report's content as JSON, written in the requester's language."""
    if subject_key != ALL_SUBJECTS:
        raise LookupError(f"the programme report covers the whole programme, not {subject_key!r}")
    language = _language(user)
    today = timezone.localdate()
    with translation.override(language):
        return {
            "title": _("Programme report"),
            "subject_key": ALL_SUBJECTS,
            "subject_label": settings.ORGANISATION_NAME,
            "language": language,
            "as_of": today.isoformat(),
            "prepared_for": user.get_full_name() or user.email,
            "cards": [_card(card) for card in posture_for(user, today=today)],
            "trends": [_trend(trend) for trend in trends_for(user) if trend["days"]],
            "findings": [{"card": str(f["card"]), "reference": f["finding"].reference, "title": f["finding"].title,
                          "detail": str(f["finding"].detail)}
                         for f in findings_for(user, today=today, limit=FINDINGS_PER_CARD)],
        }


def programme_verify(sha256: str) -> dict | None:
    """What the public /verify/ page says about a programme report's fingerprint (content or file): who issued it
    and when; the figures stay in the document. Known while the export is kept (the export-files policy)."""
    job = (ExportJob.objects.filter(kind=PROGRAMME_REPORT, status=ExportJob.Status.DONE)
           .filter(Q(snapshot_sha256=sha256) | Q(file_sha256=sha256)).only("finished_at", "file_sha256").first())
    if job is None:
        return None
    return {
        "title": _("Programme report"),
        "facts": [
            (_("Organisation"), settings.ORGANISATION_NAME),
            (_("Issued"), timezone.localtime(job.finished_at).strftime("%Y-%m-%d %H:%M")),
            (_("Fingerprint"), _("of the PDF file") if job.file_sha256 == sha256 else _("of the content")),
        ],
    }


register(ExportKind(
    name=PROGRAMME_REPORT,
    label=gettext_lazy("Programme report (PDF)"),
    template="portal/programme_report.html",
    snapshot=programme_snapshot,
    subjects=lambda: [(ALL_SUBJECTS, _("The whole programme"))],
    permission=PROGRAMME_REPORT_PERMISSION,
    per_user=True,
    verifier=programme_verify,
    description=gettext_lazy("The programme's posture, its 90-day trends and the open findings, for management or "
                             "an auditor."),
))
