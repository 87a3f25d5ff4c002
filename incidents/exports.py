"""Export kinds of incident cases, registered with the exports backbone (portal.exports.registry).

- The processor's notice to the controller (SCC 2021/915 clause 9.2) of one case.
- The Art. 33 notification to the supervisory authority of one case.
- The breach register (Art. 33(5)): every breach, notified or not; exercises stay out.

A case's documents are need-to-know: their subjects are the cases the requesting user may see, and the
snapshot is taken with that user's scope, so nobody gets a PDF of a case they could not open.
"""

import functools

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents import assessment as enisa
from incidents import drafts
from incidents.models import Incident, Obligation
from incidents.selectors import breach_register, incidents_visible_to
from portal.accounts.language import language_of
from portal.exports.registry import ALL_SUBJECTS, ExportKind, register

CONTROLLER_NOTICE = "incidents.controller_notice"
ART33_NOTIFICATION = "incidents.art33_notification"
BREACH_REGISTER = "incidents.breach_register"
SUBJECT_LIMIT = 200


def _case_subjects(user) -> list[tuple[str, str]]:
    """The cases the user may see, newest first; read once per request for both case kinds."""
    cached = getattr(user, "_incident_export_subjects", None)
    if cached is not None:
        return cached
    cases = incidents_visible_to(user).only("id", "reference", "title", "is_exercise").order_by("-aware_at", "-pk")
    subjects = [(str(c.pk), f"{c.reference} {c.title}" + (" " + _("[EXERCISE]") if c.is_exercise else ""))
                for c in cases[:SUBJECT_LIMIT]]
    user._incident_export_subjects = subjects
    return subjects


def _visible_case(subject_key: str, user) -> Incident:
    if not subject_key.isdigit():
        raise LookupError(subject_key)
    incident = incidents_visible_to(user).filter(pk=int(subject_key)).first()
    if incident is None:
        raise LookupError(subject_key)
    return incident


def in_users_language(snapshot):
    """Take a case document's snapshot in the requester's language: its title, legal basis and drafts (the export
    task itself runs in the deployment's language)."""

    @functools.wraps(snapshot)
    def wrapper(subject_key: str, user) -> dict:
        language = language_of(user)
        with translation.override(language):
            return {**snapshot(subject_key, user), "language": language}

    return wrapper


def _local(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _case_facts(incident: Incident) -> dict:
    return {
        "reference": incident.reference,
        "is_exercise": incident.is_exercise,
        "customers": [c.name for c in incident.customers.order_by("name")],
        "prepared_at": timezone.now().isoformat(),
        "processor": settings.ORGANISATION_NAME,
    }


@in_users_language
def controller_notice_snapshot(subject_key: str, user) -> dict:
    incident = _visible_case(subject_key, user)
    return {
        "title": _("Personal data breach notice to the controller"),
        "subject_label": incident.reference,
        "basis": _("GDPR Art. 33(2); Standard Contractual Clauses (EU) 2021/915, clause 9.2"),
        "sections": [[h, b] for h, b in drafts.controller_notice(incident)],
        **_case_facts(incident),
    }


@in_users_language
def art33_snapshot(subject_key: str, user) -> dict:
    incident = _visible_case(subject_key, user)
    late = incident.obligations.filter(recipient="authority").first()
    delay = ""
    if late is not None:
        notice = late.notices.exclude(delay_reasons="").order_by("sent_at").first()
        delay = notice.delay_reasons if notice is not None else ""
    return {
        "title": _("Notification of a personal data breach to the supervisory authority"),
        "subject_label": incident.reference,
        "basis": _("GDPR Art. 33(1), (3) and (4)"),
        "sections": [[h, b] for h, b in drafts.art33_notification(incident, delay_reasons=delay)],
        **_case_facts(incident),
    }


@in_users_language
def register_snapshot(subject_key: str, user) -> dict:
    if subject_key != ALL_SUBJECTS:
        raise LookupError(subject_key)
    rows = []
    for incident in breach_register(user):
        assessment = getattr(incident, "assessment", None)
        obligations = list(incident.obligations.all())
        rows.append({
            "reference": incident.reference,
            "title": incident.title,
            "aware_at": _local(incident.aware_at),
            "phase": str(incident.get_phase_display()),
            "types": ", ".join(str(t) for t in incident.breach_type_labels()),
            "subjects": incident.approx_subjects,
            "records": incident.approx_records,
            "customers": ", ".join(c.name for c in incident.customers.all()),
            "severity": f"{assessment.score} ({enisa.BAND_LABELS[assessment.band]})" if assessment else "",
            "notified": [f"{_(o.recipient_label)}: " + (
                _("filed %(when)s%(late)s") % {
                    "when": _local(o.filed_at),
                    "late": _(" (late)") if o.filed_late else ""} if o.status == Obligation.Status.FILED
                else str(o.get_status_display()).lower()) for o in obligations],
            "measures": incident.measures,
        })
    return {
        "title": _("Register of personal data breaches"),
        "subject_label": _("All breaches"),
        "basis": _("GDPR Art. 33(5): every breach, notified or not: facts, effects and remedial action"),
        "processor": settings.ORGANISATION_NAME,
        "rows": rows,
        "prepared_at": timezone.now().isoformat(),
    }


register(ExportKind(
    name=CONTROLLER_NOTICE, label=gettext_lazy("Breach notice to the controller (clause 9.2)"),
    template="incidents/breach_notice.html", snapshot=controller_notice_snapshot, subjects=lambda: [],
    subjects_for=_case_subjects, permission="incidents.view_incident", per_user=True,
    description=gettext_lazy("The processor's notice to an affected customer, drafted from the case."),
))
register(ExportKind(
    name=ART33_NOTIFICATION, label=gettext_lazy("Art. 33 notification to the supervisory authority"),
    template="incidents/breach_notice.html", snapshot=art33_snapshot, subjects=lambda: [],
    subjects_for=_case_subjects, permission="incidents.view_incident", per_user=True,
    description=gettext_lazy("The notification to the supervisory authority, Art. 33(3)(a)-(d), drafted from the "
                            "case."),
))
register(ExportKind(
    name=BREACH_REGISTER, label=gettext_lazy("Breach register (Art. 33(5))"),
    template="incidents/breach_register.html", snapshot=register_snapshot,
    subjects=lambda: [(ALL_SUBJECTS, _("All breaches"))], permission="incidents.view_all_incidents", per_user=True,
    description=gettext_lazy("Every personal data breach, notified or not; exercises excluded."),
))
