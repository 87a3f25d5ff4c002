"""Retention of training records, declared to the retention backbone.

A leaver's assignments (with their quiz attempts) are deleted when the training policy's period after
the leaving date has passed. A legal hold on the person keeps them.
"""

from django.utils.translation import gettext_lazy as _

from portal.retention.models import Action, CountsFrom
from portal.retention.registry import HoldPath, PolicyDefault, RetentionTarget, register
from training.models import Assignment

LEAVERS_RECORDS = register(RetentionTarget(
    name="training.leavers_records",
    label=_("Training records of leavers"),
    policy="training-records",
    queryset=lambda: Assignment.objects.filter(user__employee_profile__leaving_date__isnull=False),
    date_field="user__employee_profile__leaving_date",
    counts_from=CountsFrom.LEAVING_DATE,
    action=Action.DELETE,
    holds=(HoldPath("accounts.user", "user_id"),),
    default=PolicyDefault(
        data_category=_("Training records of employees"), system=_("Annex database"),
        purpose=_("Proving that staff are trained in data protection and security (Art. 32(4) and 39(1)(b) GDPR)."),
        legal_basis=_("Art. 6(1)(c) and (f) GDPR"),
        period_months=36, counts_from=CountsFrom.LEAVING_DATE, action=Action.DELETE, control_reference="TOM-AWR-01",
    ),
))
