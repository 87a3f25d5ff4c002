"""The control owner's tasks in the inbox (portal.core.inbox): reviews due and evidence expiring; the DPO's
sub-processor assessments, the customers' objections to a sub-processor change awaiting a decision, and
annex objections to resolve."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from controls.models import Control, Evidence
from controls.models_annex import AnnexNotice
from controls.models_subprocessors import ChangeNotice, SubProcessor, SubProcessorChange
from portal.core.inbox import InboxItem, TaskSource, register
from portal.core.links import cached_reverse

HORIZON_DAYS = 30


def _reviews(user, today, limit) -> list[InboxItem]:
    due = (Control.objects.exclude(status=Control.Status.RETIRED)
           .filter(owner=user, next_review_due__lte=today + timedelta(days=HORIZON_DAYS))
           .order_by("next_review_due", "reference").only("id", "reference", "title", "next_review_due")[:limit])
    return [InboxItem(title=_("Review %(reference)s: %(title)s") % {"reference": c.reference, "title": c.title},
                      url=cached_reverse("controls:detail", args=[c.pk]), due=c.next_review_due,
                      kind=gettext_lazy("Control review")) for c in due]


def _evidence(user, today, limit) -> list[InboxItem]:
    expiring = (Evidence.objects.filter(control__owner=user, removed_at__isnull=True, valid_until__isnull=False,
                                        valid_until__lte=today + timedelta(days=HORIZON_DAYS))
                .exclude(control__status=Control.Status.RETIRED).select_related("control")
                .order_by("valid_until")
                .only("id", "title", "valid_until", "control__id", "control__reference")[:limit])
    return [InboxItem(title=_("Renew evidence for %(reference)s: %(title)s")
                      % {"reference": e.control.reference, "title": e.title},
                      url=cached_reverse("controls:detail", args=[e.control.pk]), due=e.valid_until,
                      kind=gettext_lazy("Evidence")) for e in expiring]


def _assessments(user, today, limit) -> list[InboxItem]:
    due = (SubProcessor.objects.filter(status=SubProcessor.Status.ACTIVE, next_assessment_due__isnull=False,
                                       next_assessment_due__lte=today + timedelta(days=HORIZON_DAYS))
           .order_by("next_assessment_due").only("id", "slug", "legal_name", "next_assessment_due")[:limit])
    # The sub-processor's page is where the assessment is recorded.
    return [InboxItem(title=_("Assess the sub-processor %(name)s") % {"name": s.legal_name},
                      url=cached_reverse("subprocessors:detail", args=[s.slug]), due=s.next_assessment_due,
                      kind=gettext_lazy("Sub-processor assessment")) for s in due]


def _annex_objections(user, today, limit) -> list[InboxItem]:
    """Objections to a TOM annex version: the previous version stays in force until the DPO resolves them."""
    open_objections = (AnnexNotice.objects.filter(response=AnnexNotice.Response.OBJECTED,
                                                  objection_withdrawn_at__isnull=True)
                       .select_related("customer").order_by("response_at", "pk")
                       .only("id", "number", "response_at", "customer__name", "customer__slug")[:limit])
    return [InboxItem(title=_("Resolve the objection of %(customer)s to TOM annex version %(number)s")
                      % {"customer": n.customer.name, "number": n.number},
                      url=cached_reverse("customers:annex_notice", kwargs={"slug": n.customer.slug, "pk": n.pk}),
                      due=timezone.localdate(n.response_at) if n.response_at else today,
                      kind=gettext_lazy("TOM annex")) for n in open_objections]


def _objections(user, today, limit) -> list[InboxItem]:
    # Until the DPO resolves an objection the change does not apply to that customer; the date it would have
    # taken effect is when the customer expects an answer.
    waiting = (ChangeNotice.objects.filter(response=ChangeNotice.Response.OBJECTED,
                                           resolution=ChangeNotice.Resolution.NONE,
                                           change__status=SubProcessorChange.Status.ANNOUNCED)
               .select_related("customer", "change__subprocessor", "change__replaces")
               .order_by("takes_effect_on", "pk")
               .only("id", "takes_effect_on", "change_id", "customer__name", "change__kind",
                     "change__subprocessor__legal_name", "change__replaces__legal_name")[:limit])
    return [InboxItem(title=_("Decide on the objection of %(customer)s to “%(change)s”")
                      % {"customer": n.customer.name, "change": n.change},
                      url=cached_reverse("subprocessors:change_detail", args=[n.change_id]) + f"#notice-{n.pk}",
                      due=n.takes_effect_on, kind=gettext_lazy("Sub-processor objection")) for n in waiting]


register(TaskSource(name="controls.reviews", items=_reviews, permission="controls.review_control",
                    models=("controls.Control",)))
register(TaskSource(name="controls.evidence", items=_evidence, permission="controls.change_control",
                    models=("controls.Evidence", "controls.Control")))
register(TaskSource(name="controls.subprocessor_assessments", items=_assessments,
                    permission="controls.change_subprocessor", models=("controls.SubProcessor",)))
register(TaskSource(name="controls.annex_objections", items=_annex_objections,
                    permission="exports.publish_annexversion", models=("controls.AnnexNotice", "controls.Customer")))
register(TaskSource(name="controls.subprocessor_objections", items=_objections,
                    permission="controls.manage_subprocessor_change",
                    models=("controls.ChangeNotice", "controls.SubProcessorChange", "controls.SubProcessor",
                            "controls.Customer")))
