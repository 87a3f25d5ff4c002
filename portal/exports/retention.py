"""Retention of export files: a finished export is deleted, file and row, when its period has passed."""

from django.utils.translation import gettext_lazy as _

from portal.exports.models import ExportJob
from portal.retention.models import Action, CountsFrom
from portal.retention.registry import HoldPath, PolicyDefault, RetentionTarget, register

EXPORT_FILES = register(RetentionTarget(
    name="exports.jobs",
    label=_("Export files"),
    policy="export-files",
    queryset=lambda: ExportJob.objects.filter(status__in=[ExportJob.Status.DONE, ExportJob.Status.FAILED]),
    date_field="finished_at",
    counts_from=CountsFrom.EXPIRY,
    action=Action.DELETE,
    holds=(HoldPath("accounts.user", "requested_by_id"),),
    default=PolicyDefault(
        data_category=_("Exported documents (annexes, registers, evidence packs)"),
        system=_("Encrypted file store"),
        purpose=_("Download of a requested document."),
        legal_basis=_("Art. 6(1)(f) GDPR; Art. 28(3)(h) GDPR for documents given to customers"),
        period_months=2, counts_from=CountsFrom.EXPIRY, action=Action.DELETE,
    ),
))
