"""Training on the home page (portal.core.dashboard): everyone's own training (one query), and the posture card of
completion overall and by department with the overdue count (one query)."""

from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.core.dashboard import Card, CardData, Figure, Finding, Panel, Table, register
from training.models import OPEN_STATUSES, Assignment
from training.selectors import completion_by, completion_overall

GOOD_RATE = 90  # % completion from which the card shows the rate as good


def _my_training(user) -> dict:
    today = timezone.localdate()
    due = list(Assignment.objects.filter(user=user, status__in=OPEN_STATUSES).select_related("course")
               .order_by("due_date")[:5])
    return {"training_due": due, "today": today}


register(Panel(name="training.mine", template="training/partials/_dashboard_panel.html", context=_my_training,
               order=15))


def _completion(today) -> CardData:
    # One grouped query: the departments' (person, course) pairs add up to the organisation's.
    departments = completion_by("department", today)
    overall = completion_overall(today, departments)
    report = reverse("training:report")
    return CardData(
        figures=[
            Figure(_("completion"), overall["rate"], report, "" if overall["rate"] is None else
                   "ok" if overall["rate"] >= GOOD_RATE else "warn", unit="%"),
            Figure(format_lazy(_("completed, of {assigned} assigned courses"), assigned=overall["people"]),
                   overall["completed"], report),
            Figure(_("assignments overdue"), overall["overdue"], report + "#overdue-heading",
                   "bad" if overall["overdue"] else ""),
        ],
        tables=[Table(_("By department"), (_("Department"), _("People"), _("Completed"), _("Completion"),
                                           _("Overdue")),
                      [(row["label"], "", [row["people"], row["completed"], row["rate"], row["overdue"]])
                       for row in departments], units=("", "", "%", ""))] if departments else [],
    )


def _overdue_by_course(today, limit) -> list[Finding]:
    return [Finding(str(_("Training")), row["label"], ngettext("%(n)s assignment overdue", "%(n)s assignments overdue",
                                                              row["overdue"]) % {"n": row["overdue"]})
            for row in completion_by("course", today) if row["overdue"]][:limit]


register(Card(name="training.completion", title=_("Training"), compute=_completion,
              permission="training.view_training_report", order=30, findings=_overdue_by_course))
