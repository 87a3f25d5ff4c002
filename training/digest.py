"""The DPO's weekly digest: training completion, overdue training and the longest overdue, once per ISO week,
and a fresh signed checkpoint of the audit trail for the DPO to keep outside Annex (portal/audit/checkpoints.py)."""

from datetime import date

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.audit.checkpoints import checkpoint_digest_lines
from portal.notifications.services import notice_send
from training.selectors import completion_overall, overdue_list, rate_text


def _digest_title(overall: dict) -> str:
    return _("Weekly training digest: %(rate)s %% complete, %(overdue)s overdue") % {
        "rate": rate_text(overall["rate"]), "overdue": overall["overdue"]}


def _digest_body(overall: dict, oldest: list, checkpoint: list) -> str:
    lines = [_("Completion: %(rate)s %% (%(done)s of %(people)s).") % {
        "rate": rate_text(overall["rate"]), "done": overall["completed"], "people": overall["people"]},
        _("Overdue assignments: %(count)s.") % {"count": overall["overdue"]}]
    lines += [f"- {a.user.full_name}: {a.course.title} ({formats.date_format(a.due_date, 'DATE_FORMAT')})"
              for a in oldest]
    if checkpoint:
        lines += ["", *(str(line) for line in checkpoint)]
    return "\n".join(lines)


def dpo_digest_send(*, today: date | None = None) -> int:
    """Tell every active DPO; the ISO week is the notice's moment, so a second run in a week sends nothing.

    Title and body are written when the notice is made for each DPO, in their language and date format."""
    today = today or timezone.localdate()
    year, week, _day = today.isocalendar()
    overall = completion_overall(today)
    oldest = list(overdue_list(today, limit=5))
    dpos = list(User.objects.filter(groups__name=Role.DPO, is_active=True).order_by("pk"))
    checkpoint = checkpoint_digest_lines() if dpos else []
    title = lazy(_digest_title, str)(overall)
    body = lazy(_digest_body, str)(overall, oldest, checkpoint)
    sent = 0
    for dpo in dpos:
        sent += notice_send(recipient=dpo, reason="training.dpo_digest", moment=f"{year}-W{week:02d}", title=title,
                            body=body, link=reverse("training:report"))
    return sent
