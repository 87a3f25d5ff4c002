"""Deletion certificates: what a retention run deleted or anonymised, and what an offboarding returned or deleted.

Both are documents of the export framework (their kinds are registered in portal/retention/exports.py):
issued once, rendered to PDF, kept in the encrypted store as a published version, so the fingerprint
printed on them is verifiable at /verify/ by anyone holding the paper. Neither names a person.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from portal.exports.models import AnnexVersion
from portal.exports.services import certificate_publish
from portal.retention.audit_actions import RetentionAction
from portal.retention.models import Offboarding, RetentionPolicy, RetentionRun
from portal.retention.registry import targets

RUN_CERTIFICATE = "retention.run_certificate"
OFFBOARDING_CERTIFICATE = "retention.offboarding_certificate"


class CertificateError(Exception):
    """A certificate that cannot be issued yet, with a message fit to show."""


def run_subject(run_id: int) -> str:
    return f"run-{run_id}"


def offboarding_subject(offboarding_id: int) -> str:
    return f"offboarding-{offboarding_id}"


def _backup_note() -> str:
    return _("Backups are kept for %(days)s days and then overwritten; a record deleted from the live system "
             "leaves the last backup that holds it %(days)s days after its deletion at the latest.") % {
        "days": settings.BACKUP_RETENTION_DAYS}


def run_snapshot(subject_key: str) -> dict:
    """The certificate of a completed run: per policy and target, what was done; counts only."""
    run_id = subject_key.removeprefix("run-")
    run = RetentionRun.objects.filter(pk=int(run_id) if run_id.isdigit() else 0,
                                      status=RetentionRun.Status.DONE).first()
    if run is None:
        raise LookupError(f"no completed retention run {subject_key!r}")
    policies = RetentionPolicy.objects.in_bulk(field_name="key")
    labels = {target.name: str(target.label) for target in targets()}
    rows = []
    for name, entry in sorted(run.counts.items()):
        policy = policies.get(entry.get("policy", ""))
        rows.append({
            "target": labels.get(name, name), "policy": entry.get("policy", ""),
            "data_category": policy.data_category if policy else "", "system": policy.system if policy else "",
            "period_months": policy.period_months if policy else None, "action": entry.get("action", ""),
            "records": entry.get("done", 0), "held": entry.get("held", 0),
        })
    return {
        "title": _("Deletion certificate"),
        "subject_label": _("Retention run %(id)s") % {"id": run.pk},
        "run": run.pk,
        "processor": settings.ORGANISATION_NAME,
        "as_of": run.as_of.isoformat(),
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else "",
        "trigger": run.get_trigger_display(),
        "rows": rows,
        "total": run.total_done,
        "backup_note": _backup_note(),
        "backup_days": settings.BACKUP_RETENTION_DAYS,
    }


def offboarding_snapshot(subject_key: str) -> dict:
    """The certificate to the customer: which data was returned or deleted where and when, and the backups."""
    offboarding_id = subject_key.removeprefix("offboarding-")
    offboarding = Offboarding.objects.filter(pk=int(offboarding_id) if offboarding_id.isdigit() else 0,
                                             status=Offboarding.Status.DONE).first()
    if offboarding is None:
        raise LookupError(f"no completed offboarding {subject_key!r}")
    steps = [{"system": s.system, "data_category": s.data_category,
              "confirmed_at": s.confirmed_at.isoformat() if s.confirmed_at else "", "evidence": s.evidence}
             for s in offboarding.steps.order_by("position")]
    return {
        "title": _("Certificate of return and deletion") if offboarding.choice == Offboarding.Choice.RETURN
        else _("Certificate of deletion"),
        "subject_label": offboarding.subject_label,
        "processor": settings.ORGANISATION_NAME,
        "contract_reference": offboarding.contract_reference,
        "contract_ends_on": offboarding.contract_ends_on.isoformat(),
        "choice": offboarding.choice,
        "choice_label": offboarding.get_choice_display(),
        "finished_at": offboarding.finished_at.isoformat() if offboarding.finished_at else "",
        "steps": steps,
        "backup_note": _backup_note(),
        "backup_days": settings.BACKUP_RETENTION_DAYS,
    }


def run_certify(*, run_id: int, actor) -> AnnexVersion:
    """Issue (once) the deletion certificate of a completed run."""
    if not actor.has_perm("retention.run_retention"):
        raise PermissionDenied(_("Deletion certificates are issued by the DPO and administrators."))
    run = RetentionRun.objects.get(pk=run_id)
    if run.status != RetentionRun.Status.DONE:
        raise CertificateError(_("The run has not completed; its certificate is issued once it has."))
    version = certificate_publish(kind_name=RUN_CERTIFICATE, subject_key=run_subject(run.pk), actor=actor,
                                  action=RetentionAction.RUN_CERTIFIED)
    RetentionRun.objects.filter(pk=run.pk, certificate_sha256="").update(certificate_sha256=version.snapshot_sha256)
    return version


def offboarding_certify(*, offboarding_id: int, actor) -> AnnexVersion:
    """Issue (once) the certificate to the customer, and email it to their contact."""
    offboarding = Offboarding.objects.get(pk=offboarding_id)
    if offboarding.status != Offboarding.Status.DONE:
        raise CertificateError(_("Every step must be confirmed before the certificate is issued."))
    version = certificate_publish(kind_name=OFFBOARDING_CERTIFICATE, subject_key=offboarding_subject(offboarding.pk),
                                  actor=actor, action=RetentionAction.OFFBOARDING_CERTIFIED)
    Offboarding.objects.filter(pk=offboarding.pk, certificate_sha256="").update(
        certificate_sha256=version.snapshot_sha256)
    return version
