"""Retention of notices: in-app and email notices are deleted when their period has passed."""

from django.utils.translation import gettext_lazy as _

from portal.notifications.models import Notification
from portal.retention.models import Action, CountsFrom
from portal.retention.registry import HoldPath, PolicyDefault, RetentionTarget, register

NOTIFICATIONS = register(RetentionTarget(
    name="notifications.notices",
    label=_("Notifications"),
    policy="notifications",
    queryset=lambda: Notification.objects.all(),
    date_field="created_at",
    counts_from=CountsFrom.CREATION,
    action=Action.DELETE,
    holds=(HoldPath("accounts.user", "recipient_id"),),
    batch_size=5000,
    default=PolicyDefault(
        data_category=_("Reminders and notices to staff"), system=_("Annex database, mail server logs"),
        purpose=_("Reminding people of their duties in the security programme."),
        legal_basis=_("Art. 6(1)(f) GDPR"),
        period_months=6, counts_from=CountsFrom.CREATION, action=Action.DELETE,
    ),
))
