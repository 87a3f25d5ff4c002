"""Open notification duties of the cases a responder is assigned to, in their task inbox (portal.core.inbox)."""


from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents.models import Obligation
from portal.core.inbox import InboxItem, TaskSource, register
from portal.core.links import cached_reverse


def _obligations(user, today, limit) -> list[InboxItem]:
    due = (Obligation.objects.filter(incident__assignees=user, status=Obligation.Status.OPEN,
                                     deadline_at__isnull=False)
           .select_related("incident").order_by("deadline_at")
           .only("id", "title", "recipient_label", "deadline_at", "incident__id", "incident__title")[:limit])
    return [InboxItem(title=_("%(duty)s to %(recipient)s: %(case)s")
                      % {"duty": _(o.title), "recipient": _(o.recipient_label), "case": o.incident.title},
                      url=cached_reverse("incidents:detail", args=[o.incident.pk]),
                      due=timezone.localdate(o.deadline_at), kind=gettext_lazy("Breach notification"))
            for o in due]


register(TaskSource(name="incidents.obligations", items=_obligations, permission="incidents.view_incident"))
