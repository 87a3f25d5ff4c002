"""The DPO's weekly digest: training completion, overdue training and the longest overdue, once per ISO week,
and a fresh signed checkpoint of the audit trail for the DPO to keep outside Annex (portal/audit/checkpoints.py)."""

from datetime import date

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.audit.checkpoints import checkpoint_digest_lines
from portal.notifications.services import notice_send
from training.selectors import completion_overall, overdue_list


def dpo_digest_send(*, today: date | None = None) -> int:
    """Tell every active DPO; the ISO week is the notice's moment, so a second run in a week sends nothing."""
    today = today or timezone.localdate()
    year, week, _day = today.isocalendar()
    overall = completion_overall(today)
    oldest = list(overdue_list(today, limit=5))
    lines = [_("Completion: %(rate)s %% (%(done)s of %(people)s).") % {
        "rate": overall["rate"] if overall["rate"] is not None else "—", "done": overall["completed"],
        "people": overall["people"]},
        _("Overdue assignments: %(count)s.") % {"count": overall["overdue"]}]
    lines += [f"- {a.user.full_name}: {a.course.title} ({a.due_date.isoformat()})" for a in oldest]
    dpos = list(User.objects.filter(groups__name=Role.DPO, is_active=True).order_by("pk"))
    if dpos:
        lines += ["", *checkpoint_digest_lines()]
    sent = 0
    for dpo in dpos:
        sent += notice_send(
            recipient=dpo, reason="training.dpo_digest", moment=f"{year}-W{week:02d}",
            title=_("Weekly training digest: %(rate)s %% complete, %(overdue)s overdue") % {
                "rate": overall["rate"] if overall["rate"] is not None else "—", "overdue": overall["overdue"]},
            body="\n".join(lines), link=reverse("training:report"))
    return sent
