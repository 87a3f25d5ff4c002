"""Drafts of the notices, built from the case's fields: the processor's notice to a controller (SCC 2021/915
clause 9.2) and the notification to the supervisory authority (GDPR Art. 33(3)(a)-(d)).

Each draft is a list of (heading, text) sections; a missing fact is named as still to be established, so an
initial notice can go out with what is known (clause 9.2 last paragraph, Art. 33(4)).
"""

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from incidents.models import Incident

NOT_YET = "—"


def _or_pending(value) -> str:
    text = str(value).strip() if value not in (None, "") else ""
    return text or _("Not yet established; will follow (phased notice).")


def _nature(incident: Incident) -> str:
    types = ", ".join(incident.breach_type_labels()) or _("type not yet established")
    subjects = ", ".join(incident.subject_category_labels()) or _("not yet established")
    records = ", ".join(incident.data_category_labels()) or _("not yet established")
    return "\n".join([
        _or_pending(incident.description),
        _("Breach of: %(types)s.") % {"types": types},
        _("Categories of data subjects: %(c)s; approximately %(n)s data subjects.") % {
            "c": subjects, "n": incident.approx_subjects if incident.approx_subjects is not None else NOT_YET},
        _("Categories of personal data records: %(c)s; approximately %(n)s records.") % {
            "c": records, "n": incident.approx_records if incident.approx_records is not None else NOT_YET},
    ])


def _moment(value) -> str:
    """A moment in the reader's format, with its time zone's name (a notice may be read in another zone)."""
    local = timezone.localtime(value)
    return f"{formats.date_format(local, 'DATETIME_FORMAT')} {local.strftime('%Z')}"


def _when(incident: Incident) -> str:
    return _("Detected %(d)s; aware since %(a)s.") % {
        "d": _moment(incident.detected_at), "a": _moment(incident.aware_at)}


def _contact(incident: Incident) -> str:
    return incident.dpo_contact.strip() or _("The data protection officer of %(org)s.") % {
        "org": settings.ORGANISATION_NAME}


def controller_notice(incident: Incident) -> list[tuple[str, str]]:
    """The processor's notice to the controller, with the content clause 9.2 asks for."""
    return [
        (_("Incident"), f"{incident.reference}: {incident.title}\n{_when(incident)}"),
        (_("(a) Nature of the breach"), _nature(incident)),
        (_("(b) Contact point for more information"), _contact(incident)),
        (_("(c) Likely consequences"), _or_pending(incident.likely_consequences)),
        (_("(c) Measures taken or proposed, including mitigation"), _or_pending(incident.measures)),
    ]


def art33_notification(incident: Incident, *, delay_reasons: str = "") -> list[tuple[str, str]]:
    """The notification to the supervisory authority, Art. 33(3)(a)-(d), with reasons for any delay."""
    sections = [
        (_("Controller"), settings.ORGANISATION_NAME),
        (_("Incident"), f"{incident.reference}: {incident.title}\n{_when(incident)}"),
        (_("Art. 33(3)(a) Nature of the personal data breach"), _nature(incident)),
        (_("Art. 33(3)(b) Data protection officer or other contact point"), _contact(incident)),
        (_("Art. 33(3)(c) Likely consequences"), _or_pending(incident.likely_consequences)),
        (_("Art. 33(3)(d) Measures taken or proposed"), _or_pending(incident.measures)),
    ]
    if delay_reasons:
        sections.append((_("Art. 33(1) Reasons for the delay"), delay_reasons))
    return sections


def as_text(sections: list[tuple[str, str]]) -> str:
    return "\n\n".join(f"{heading}\n{body}" for heading, body in sections)
