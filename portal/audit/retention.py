"""Retention of the audit trail: the oldest events are sealed, then removed, a prefix at a time.

A legal hold on a user keeps every event that user did from being removed, and with it every later
event: the chain can only lose its oldest part, so the seal stops just before the first held event.
"""

from django.utils.translation import gettext_lazy as _

from portal.audit.models import AuditEvent
from portal.audit.sealing import audit_seal_through
from portal.retention.models import Action, CountsFrom
from portal.retention.registry import HoldPath, PolicyDefault, RetentionTarget, register

POLICY = "audit-trail"


def _sealable(pending, batch_size: int) -> list:
    """The pks of the trail's oldest events, as long as they are all due and none is held."""
    first = AuditEvent.objects.order_by("seq").values_list("seq", flat=True).first()
    if first is None:
        return []
    rows = pending.filter(seq__gte=first, seq__lt=first + batch_size).order_by("seq").values_list("pk", "seq")
    pks = []
    for expected, (pk, seq) in enumerate(rows, start=first):
        if seq != expected:
            break
        pks.append(pk)
    return pks


def _seal(pks) -> int:
    through = AuditEvent.objects.filter(pk__in=pks).order_by("-seq").values_list("seq", flat=True).first()
    if through is None:
        return 0
    return audit_seal_through(through_seq=through, reason="retention")


AUDIT_EVENTS = register(RetentionTarget(
    name="audit.events",
    label=_("Audit events"),
    policy=POLICY,
    queryset=lambda: AuditEvent.objects.all(),
    date_field="created_at",
    counts_from=CountsFrom.CREATION,
    action=Action.DELETE,
    select=_sealable,
    delete=_seal,
    holds=(HoldPath("accounts.user", "actor_id"),),
    batch_size=20000,
    default=PolicyDefault(
        data_category=_("Audit trail of the portal"), system=_("Annex database"),
        purpose=_("Proof of who did what in the security programme; investigation of incidents."),
        legal_basis=_("Art. 5(2) and Art. 32 GDPR (accountability, security of processing)"),
        period_months=36, counts_from=CountsFrom.CREATION, action=Action.DELETE,
    ),
))
