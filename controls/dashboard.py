"""The control programme on the home page (portal.core.dashboard).

- Posture cards, for those who see the programme: controls by status, by SCC category and by the eight German
  control objectives (where controls are tagged with them); reviews and evidence due; customers' annexes that state
  more than the register; sub-processor changes waiting and objections open.
- A panel for a control owner: their own controls and what is due on them.
"""

from datetime import timedelta
from urllib.parse import urlencode

from django.db.models import Case, Count, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from controls.annex_truth import overstating_annexes
from controls.attention_text import REVIEW_OVERDUE, reason_text
from controls.categories import scc_categories
from controls.models import Control, Evidence
from controls.models_subprocessors import ChangeNotice, SubProcessorChange, SubProcessorTerms
from controls.objectives import OBJECTIVES, objectives_of
from portal.core.dashboard import Card, CardData, Figure, Finding, Panel, Table, register, shown_date

SOON_DAYS = 30
IN_PLACE = (Control.Status.VERIFIED, Control.Status.IMPLEMENTED)
STATUSES = (Control.Status.VERIFIED, Control.Status.IMPLEMENTED, Control.Status.PLANNED,
            Control.Status.NEEDS_ATTENTION)


def _register(**filters) -> str:
    return reverse("controls:list") + ("?" + urlencode(filters) if filters else "")


def _counts(queryset, today, soon) -> dict[str, int]:
    """Status and review bucket from one small GROUP BY (status x bucket), summed here; retired ones left out."""
    bucket = Case(When(next_review_due__lt=today, then=Value("overdue")),
                  When(next_review_due__lte=soon, then=Value("due_soon")), default=Value(""))
    counts = dict.fromkeys(("total", "overdue", "due_soon", *STATUSES), 0)
    for status, when, n in queryset.order_by().values_list("status", bucket).annotate(n=Count("*")):
        if status == Control.Status.RETIRED:
            continue
        counts["total"] += n
        if when:
            counts[when] += n
        if status in counts:
            counts[status] += n
    return counts


def _expiring(evidence, today, soon) -> int:
    return evidence.filter(removed_at__isnull=True, valid_until__gte=today, valid_until__lte=soon).exclude(
        control__status=Control.Status.RETIRED).count()


def _status_figures(counts: dict, **scope) -> list[Figure]:
    return [
        Figure(_("controls in force"), counts["total"], _register(**scope)),
        Figure(_("verified"), counts[Control.Status.VERIFIED], _register(status="verified", **scope), "ok"),
        Figure(_("implemented"), counts[Control.Status.IMPLEMENTED], _register(status="implemented", **scope)),
        Figure(_("planned"), counts[Control.Status.PLANNED], _register(status="planned", **scope)),
        Figure(_("need attention"), counts[Control.Status.NEEDS_ATTENTION],
               _register(status="needs_attention", **scope), "bad" if counts[Control.Status.NEEDS_ATTENTION] else ""),
    ]


def _category_table(rows) -> Table:
    by_category: dict[str, dict[str, int]] = {}
    for category, status, n in rows:
        by_category.setdefault(category, {})[status] = n
    body = []
    for category in scc_categories():
        counts = by_category.get(category.id, {})
        in_force = sum(n for status, n in counts.items() if status != Control.Status.RETIRED)
        in_place = sum(counts.get(status, 0) for status in IN_PLACE)
        body.append((f"{category.n}. {category.wording}", _register(category=category.id),
                     [in_force, in_place, counts.get(Control.Status.NEEDS_ATTENTION, 0),
                      round(100 * in_place / in_force) if in_force else None]))
    return Table(_("By SCC measure category"),
                 (_("Category"), _("In force"), _("In place"), _("Need attention"), _("Coverage")),
                 body, units=("", "", "", "%"))


def _objective_table(tagged) -> Table | None:
    counts = {key: [0, 0] for key, _label in OBJECTIVES}
    for tags, status in tagged:
        for key in objectives_of(tags):
            counts[key][0] += 1
            counts[key][1] += status in IN_PLACE
    if not any(total for total, _in_place in counts.values()):
        return None  # the organisation does not use them
    return Table(_("By the eight control objectives (Kontrollziele)"),
                 (_("Objective"), _("Controls"), _("In place")),
                 [(label, _register(tag=key), counts[key]) for key, label in OBJECTIVES],)


def _status_card(today) -> CardData:
    live = Control.objects.exclude(status=Control.Status.RETIRED)
    counts = _counts(live, today, today + timedelta(days=SOON_DAYS))
    categories = live.order_by().values_list("scc_category", "status").annotate(n=Count("*"))
    tables = [_category_table(categories)]
    objectives = _objective_table(live.exclude(tags=[]).values_list("tags", "status"))
    if objectives is not None:
        tables.append(objectives)
    return CardData(figures=_status_figures(counts), tables=tables)


def _reviews_card(today) -> CardData:
    soon = today + timedelta(days=SOON_DAYS)
    counts = _counts(Control.objects.all(), today, soon)
    expiring = _expiring(Evidence.objects.all(), today, soon)
    return CardData(figures=[
        Figure(_("reviews overdue"), counts["overdue"], _register(overdue="on"), "bad" if counts["overdue"] else ""),
        Figure(_("reviews due in 30 days"), counts["due_soon"], _register(due="review_30"),
               "warn" if counts["due_soon"] else ""),
        Figure(_("evidence items expire in 30 days"), expiring, _register(due="evidence_30"),
               "warn" if expiring else ""),
    ])


def _control_findings(today, limit) -> list[Finding]:
    open_ = (Control.objects.exclude(status=Control.Status.RETIRED)
             .filter(Q(status=Control.Status.NEEDS_ATTENTION) | Q(next_review_due__lt=today))
             .order_by("next_review_due", "reference")
             .only("reference", "title", "status", "next_review_due", "attention_reason")[:limit])
    found = []
    for control in open_:
        reasons = []
        if control.status == Control.Status.NEEDS_ATTENTION:
            overdue_said = (REVIEW_OVERDUE,) if control.next_review_due and control.next_review_due < today else ()
            reasons.append(reason_text(control.attention_reason, without=overdue_said) or str(_("needs attention")))
        if control.next_review_due and control.next_review_due < today:
            reasons.append(str(_("review overdue since %(date)s"))
                           % {"date": shown_date(control.next_review_due)})
        found.append(Finding(control.reference, control.title, "; ".join(reasons)))
    return found


def _annexes_card(today) -> CardData:
    overstating = overstating_annexes()
    return CardData(
        figures=[Figure(_("published annexes state measures that are not in place"), len(overstating),
                        reverse("exports:annex_list"), "bad" if overstating else "ok")],
        tables=[Table(_("Annexes that overstate the register"), (_("Annex"), _("Measures not in place")),
                      [(row["label"], row["url"], [len(row["references"])]) for row in overstating])]
        if overstating else [],
    )


def _annex_findings(today, limit) -> list[Finding]:
    return [Finding(str(_("Annex")), row["label"],
                    str(_("states measures not in place: %(references)s"))
                    % {"references": ", ".join(row["references"])})
            for row in overstating_annexes()[:limit]]


def _subprocessors_card(today) -> CardData:
    # Waiting on a customer: the notice period still runs, or a written approval the contract requires is missing.
    waiting_on_customer = Q(notices__takes_effect_on__gt=today) | (
        Q(notices__authorisation=SubProcessorTerms.Authorisation.SPECIFIC)
        & ~Q(notices__response=ChangeNotice.Response.APPROVED)
        & ~Q(notices__resolution=ChangeNotice.Resolution.EXCLUDED))
    waiting = (SubProcessorChange.objects.filter(status=SubProcessorChange.Status.ANNOUNCED)
               .filter(waiting_on_customer).distinct().count())
    objections = ChangeNotice.objects.filter(change__status=SubProcessorChange.Status.ANNOUNCED,
                                             response=ChangeNotice.Response.OBJECTED, resolution="").count()
    url = reverse("subprocessors:list")
    return CardData(figures=[
        Figure(_("announced changes waiting on customers (notice period or approval)"), waiting, url,
               "warn" if waiting else ""),
        Figure(_("objections open"), objections, url, "bad" if objections else ""),
    ])


def _my_controls(user) -> dict:
    today = timezone.localdate()
    soon = today + timedelta(days=SOON_DAYS)
    counts = _counts(Control.objects.filter(owner=user), today, soon)
    return {"counts": counts, "evidence_expiring": _expiring(Evidence.objects.filter(control__owner=user), today, soon),
            "owner": user.pk, "soon_days": SOON_DAYS}


register(Card(name="controls.status", title=_("Controls"), compute=_status_card,
              permission="controls.view_control", order=10))
register(Card(name="controls.reviews", title=_("Reviews and evidence"), compute=_reviews_card,
              permission="controls.view_control", order=11, findings=_control_findings))
register(Card(name="controls.annexes", title=_("Customers' annexes"), compute=_annexes_card,
              permission="exports.view_annexversion", order=40, findings=_annex_findings))
register(Card(name="controls.subprocessors", title=_("Sub-processor changes"), compute=_subprocessors_card,
              permission="controls.view_subprocessor", order=41))
register(Panel(name="controls.mine", template="controls/partials/_dashboard_panel.html", context=_my_controls,
               permission="controls.change_control", order=10))
