"""The certificate kinds of retention, registered with the exports backbone.

They are issued by their own services (portal/retention/certificates.py), never requested from the
exports page, so they offer no subjects there.
"""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.exports.registry import ExportKind, register
from portal.retention import certificates
from portal.retention.models import Offboarding


def _offboarding_contact(subject_key: str) -> list[tuple[str, str]]:
    offboarding_id = subject_key.removeprefix("offboarding-")
    row = Offboarding.objects.filter(pk=int(offboarding_id) if offboarding_id.isdigit() else 0).values_list(
        "contact_name", "contact_email").first()
    return [row] if row and row[1] else []


register(ExportKind(
    name=certificates.RUN_CERTIFICATE,
    label=_("Deletion certificate of a retention run"),
    template="retention/run_certificate.html",
    snapshot=certificates.run_snapshot,
    subjects=list,
    permission="retention.run_retention",
    description=_("What a retention run deleted or anonymised, per policy; counts only."),
))

register(ExportKind(
    name=certificates.OFFBOARDING_CERTIFICATE,
    label=_("End-of-contract certificate"),
    template="retention/offboarding_certificate.html",
    snapshot=certificates.offboarding_snapshot,
    subjects=list,
    permission="retention.change_offboarding",
    notice_recipients=_offboarding_contact,
    notice_template="retention/email/offboarding_certificate.txt",
    notice_subject=lambda version: gettext("%(title)s: %(subject)s") % {"title": version.title,
                                                                          "subject": version.subject_label},
    description=_("Return or deletion of a controller's data at the end of the contract (Art. 28(3)(g) GDPR)."),
))
