"""The training programme's daily figures (portal.core.metrics): completion rate and overdue assignments."""

from django.utils.translation import gettext_lazy as _

from portal.core.metrics import MetricSource, register
from training.selectors import completion_overall


def _completion(day) -> dict[str, float]:
    overall = completion_overall(day)
    return {"completion_rate": overall["rate"] or 0}


def _overdue(day) -> dict[str, float]:
    return {"overdue": completion_overall(day)["overdue"]}


register(MetricSource(
    name="training.completion",
    title=_("Training completion"),
    series=(("completion_rate", _("Completion rate")),),
    compute=_completion,
    permission="training.view_training_report",
    unit="%",
    order=20,
))
register(MetricSource(
    name="training.overdue",
    title=_("Overdue training assignments"),
    series=(("overdue", _("Overdue assignments")),),
    compute=_overdue,
    permission="training.view_training_report",
    order=21,
))
