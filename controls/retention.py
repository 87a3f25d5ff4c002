"""Retention of the control inventory's records, declared to the retention backbone.

- Evidence removed by its owner, and evidence superseded (expired while newer evidence of the same
  control exists), is deleted with its stored file when the evidence policy's period has passed.
"""

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from controls.models import Evidence
from portal.retention.models import Action, CountsFrom
from portal.retention.registry import PolicyDefault, RetentionTarget, register

EVIDENCE_POLICY = "evidence-files"

_EVIDENCE_DEFAULT = PolicyDefault(
    data_category=_("Evidence of controls (reports, scans, screenshots)"),
    system=_("Encrypted file store, Annex database"),
    purpose=_("Proving that the technical and organisational measures are in place."),
    legal_basis=_("Art. 5(2), Art. 28(3)(h) and Art. 32 GDPR"),
    period_months=12, counts_from=CountsFrom.REMOVAL, action=Action.DELETE, control_reference="TOM-RET-01",
)


def _superseded():
    newer = Evidence.objects.filter(control=OuterRef("control"), removed_at__isnull=True,
                                    created_at__gt=OuterRef("created_at"))
    return Evidence.objects.filter(removed_at__isnull=True, valid_until__isnull=False).filter(Exists(newer))


REMOVED_EVIDENCE = register(RetentionTarget(
    name="controls.evidence_removed",
    label=_("Removed evidence"),
    policy=EVIDENCE_POLICY,
    queryset=lambda: Evidence.objects.filter(removed_at__isnull=False),
    date_field="removed_at",
    counts_from=CountsFrom.REMOVAL,
    action=Action.DELETE,
    batch_size=500,
    default=_EVIDENCE_DEFAULT,
))

SUPERSEDED_EVIDENCE = register(RetentionTarget(
    name="controls.evidence_superseded",
    label=_("Superseded evidence"),
    policy=EVIDENCE_POLICY,
    queryset=_superseded,
    date_field="valid_until",
    counts_from=CountsFrom.EXPIRY,
    action=Action.DELETE,
    batch_size=500,
    default=_EVIDENCE_DEFAULT,
))
