"""Demo data for retention: the policy register, records past their period for a run to preview, a legal hold.

Idempotent: policies are added only when missing, demo notices are keyed, the hold is set once.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.demo import DEMO_DOMAIN
from portal.accounts.models import User
from portal.notifications.models import Notification
from portal.retention import services
from portal.retention.models import Action, CountsFrom, LegalHold, RetentionPolicy

# The systems outside Annex that hold customers' data: each becomes a step when a customer is offboarded.
CUSTOMER_SYSTEMS = [
    ("customer-application-data", "Customer application data", "Hosting platform (production database)",
     "Providing the contracted services", "Art. 28(3) GDPR, the data processing agreement", 0, Action.DELETE,
     "TOM-RET-01"),
    ("customer-support-tickets", "Support tickets and attachments", "Support desk",
     "Answering the controller's support requests", "Art. 28(3) GDPR, the data processing agreement", 0,
     Action.DELETE, "TOM-RET-01"),
    ("customer-backups", "Backups of customer data", "Off-site backup storage",
     "Restoring the services after a failure", "Art. 32(1)(c) GDPR", 1, Action.DELETE, "TOM-BCK-01"),
]

# Notices from half a year ago and more: past the notifications policy, so the run preview has work to show.
OLD_NOTICES = [("security", 400), ("security", 250), ("dpo", 320), ("employee", 210), ("employee", 500)]


def seed_register(actor) -> int:
    """The policy register: every registered target's policy, and the systems that hold customer data."""
    created = len(services.policies_add_defaults(actor=actor))
    for key, category, system, purpose, basis, months, action, control in CUSTOMER_SYSTEMS:
        if not RetentionPolicy.objects.filter(key=key).exists():
            services.policy_create(
                actor=actor, key=key, data_category=category, system=system, purpose=purpose, legal_basis=basis,
                period_months=months, counts_from=CountsFrom.CONTRACT_END, action=action, owner=actor,
                control_reference=control, covers_customer_data=True)
            created += 1
    return created


@transaction.atomic
def seed(stdout=None) -> None:
    people = {u.email.split("@")[0]: u for u in User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}")}
    dpo = people.get("dpo")
    if dpo is None:
        return
    created = seed_register(dpo)
    now = timezone.now()
    notices = 0
    for n, (local, days) in enumerate(OLD_NOTICES):
        if local not in people:
            continue
        is_new = Notification.objects.get_or_create(key=f"demo-retention-{n}", defaults={
            "recipient": people[local], "channel": "in_app", "reason": "demo.notice",
            "title": _("Reminder from last year: review of the access rights is due"),
            "created_at": now - timedelta(days=days), "status": Notification.Status.SENT,
            "read_at": now - timedelta(days=days - 1),
        })[1]
        notices += is_new
    held = people.get("employee")
    if held is not None and not LegalHold.objects.filter(object_id=str(held.pk), released_at__isnull=True).exists():
        services.legal_hold_set(obj=held, actor=dpo,
                                reason=_("Labour court proceedings 4 Ca 118/26: keep every record of this person."))
    if stdout is not None:
        stdout.write(f"retention: {created} policies added; {notices} old notices to preview a run with")
