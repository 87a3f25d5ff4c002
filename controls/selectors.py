"""Reads of the control inventory, scoped to the user and with their related rows loaded."""

import json
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Value
from django.http import Http404
from django.utils import timezone

from controls.categories import Category, scc_categories
from controls.models import (
    CategoryStatement,
    Control,
    Customer,
    CustomerControlOverride,
    Evidence,
    Review,
    Service,
)
from portal.audit.models import AuditEvent
from portal.core.prepared import PreparedQuery

SORTS = {
    "reference": "reference",
    "-reference": "-reference",
    "title": "title",
    "-title": "-title",
    "status": "status",
    "-status": "-status",
    "category": "scc_category",
    "-category": "-scc_category",
    "owner": "owner__full_name",
    "-owner": "-owner__full_name",
    "due": "next_review_due",
    "-due": "-next_review_due",
}


def sees_controls(user) -> bool:
    """Who may read the register: every control or none (the rule controls_visible_to applies)."""
    return user.has_perm("controls.view_control")


def controls_visible_to(user) -> QuerySet[Control]:
    if not sees_controls(user):
        return Control.objects.none()
    return Control.objects.all()


def evidence_visible_to(user) -> QuerySet[Evidence]:
    """Evidence of the controls the user may see, removed items included (they stay on the record)."""
    return Evidence.objects.filter(control__in=controls_visible_to(user)).select_related("control")


def sees_customers(user) -> bool:
    """Who may read the customer list: every customer or none (the rule customers_visible_to applies)."""
    return user.has_perm("controls.view_customer")


def customers_visible_to(user) -> QuerySet[Customer]:
    if not sees_customers(user):
        return Customer.objects.none()
    return Customer.objects.all()


def customer_options(user) -> list[tuple[int, str]]:
    """(id, name) of the customers the user may see, for a filter's options."""
    return list(customers_visible_to(user).order_by("name").values_list("pk", "name"))


def active_customer_subjects() -> list[tuple[str, str]]:
    """(slug, name) of the active customers: the subjects of every export kind about customers (one function, so
    the exports page reads them once for all those kinds)."""
    return list(Customer.objects.filter(is_active=True).order_by("name").values_list("slug", "name"))


def overdue_q(today=None) -> Q:
    today = today or timezone.localdate()
    return Q(next_review_due__lt=today) & ~Q(status=Control.Status.RETIRED)


DUE_WITHIN_DAYS = 30


def due_within_q(what: str, today=None) -> Q:
    """Live controls whose review ("review_30") or evidence ("evidence_30") falls due within 30 days, not yet late."""
    today = today or timezone.localdate()
    soon = today + timedelta(days=DUE_WITHIN_DAYS)
    live = ~Q(status=Control.Status.RETIRED)
    if what == "review_30":
        return live & Q(next_review_due__gte=today, next_review_due__lte=soon)
    if what == "evidence_30":
        expiring = Evidence.objects.filter(control=OuterRef("pk"), removed_at__isnull=True, valid_until__gte=today,
                                           valid_until__lte=soon)
        return live & Q(Exists(expiring))
    return Q()


def applicable_controls_q(customer: Customer) -> Q:
    """Controls that apply to a customer: organisation-wide or for its services, plus inclusions, less exclusions.

    A retired control applies to nobody: an inclusion recorded while it was live never brings it back.
    """
    overrides = CustomerControlOverride.objects.filter(customer=customer)
    by_service = Control.services.through.objects.filter(
        service_id__in=customer.services.values("id")
    ).values("control_id")
    included = overrides.filter(mode=CustomerControlOverride.Mode.INCLUDE).values("control_id")
    excluded = overrides.filter(mode=CustomerControlOverride.Mode.EXCLUDE).values("control_id")
    applies = Q(applies_to_all_services=True) | Q(pk__in=by_service)
    return (applies | Q(pk__in=included)) & ~Q(pk__in=excluded) & ~Q(status=Control.Status.RETIRED)


# SQLite refuses a compound SELECT of more than 500 terms.
_UNION_CHUNK = 400


def applicable_control_ids(customers: list[Customer]) -> dict[int, set[int]]:
    """The ids of the controls that apply to each customer, by the one rule of applicable_controls_q.

    One query per 400 customers (a UNION ALL of the rule for each), so a list of every customer's annex runs
    a fixed number of queries.
    """
    result: dict[int, set[int]] = {customer.pk: set() for customer in customers}
    per_customer = [
        Control.objects.filter(applicable_controls_q(customer)).order_by()
        .annotate(for_customer=Value(customer.pk)).values_list("for_customer", "pk")
        for customer in customers
    ]
    for start in range(0, len(per_customer), _UNION_CHUNK):
        first, *rest = per_customer[start:start + _UNION_CHUNK]
        for customer_id, control_id in first.union(*rest, all=True):
            result[customer_id].add(control_id)
    return result


def control_list(
    user,
    *,
    search: str = "",
    category: str = "",
    status: str = "",
    owner_id: int | None = None,
    overdue: bool = False,
    due: str = "",
    tag: str = "",
    customer: Customer | None = None,
    sort: str = "reference",
) -> QuerySet[Control]:
    """The register page: filters and sort over what the user may see, owners loaded in the same query."""
    qs = controls_visible_to(user).select_related("owner")
    if search:
        qs = qs.filter(
            Q(reference__icontains=search) | Q(title__icontains=search) | Q(description__icontains=search)
        )
    if category:
        qs = qs.filter(scc_category=category)
    if status:
        qs = qs.filter(status=status)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    if overdue:
        qs = qs.filter(overdue_q())
    if due:
        qs = qs.filter(due_within_q(due))
    if tag:
        # Tags are a JSON list of lower-case words: match one whole element.
        qs = qs.filter(tags__icontains=json.dumps(tag.strip().lower()))
    if customer is not None:
        qs = qs.filter(applicable_controls_q(customer))
    order = SORTS.get(sort, "reference")
    return qs.order_by(order, "reference") if order.lstrip("-") != "reference" else qs.order_by(order)


_PERSON_SHOWN = ("full_name", "email", "is_active")


def _with_people(queryset: QuerySet, *relations: str) -> QuerySet:
    """The rows with the people they name, each read only as far as the page shows a person (User.__str__)."""
    own = [field.name for field in queryset.model._meta.concrete_fields]
    people = [f"{relation}__{name}" for relation in relations for name in _PERSON_SHOWN]
    return queryset.select_related(*relations).only(*own, *people)


@dataclass
class ControlPage:
    """One control and what its page shows with it."""

    control: Control
    services: list[Service]
    related: list[Control]
    reviews: list[Review]
    evidence: list[Evidence]


# The control page is most of what people open, and compiling its reads through the ORM cost more than running
# them: prepared (portal/core/prepared.py), the page's CPU fell from 21.6 to 12.0 ms (docs/performance.md).
_control_read = PreparedQuery(lambda pk: _with_people(Control.objects.filter(pk=pk), "owner"), int)
_services_read = PreparedQuery(lambda pk: Control(pk=pk).services.all(), int)
_related_read = PreparedQuery(
    lambda pk: Control(pk=pk).related.only("reference", "title", "status").order_by("reference"), int)
_reviews_read = PreparedQuery(lambda pk: _with_people(Review.objects.filter(control_id=pk), "reviewer"), int)
_evidence_read = PreparedQuery(
    lambda pk: _with_people(Evidence.objects.filter(control_id=pk), "uploaded_by", "removed_by"), int)


def control_detail(user, pk: int) -> ControlPage:
    """The control and its parts, one query each; a control for every service needs no service query.

    Whoever may see the register sees every control (controls_visible_to), so the rule is `sees_controls`.
    """
    control = _control_read.first(pk) if sees_controls(user) else None
    if control is None:
        raise Http404
    page = ControlPage(
        control=control,
        services=[] if control.applies_to_all_services else _services_read(pk),
        related=_related_read(pk),
        reviews=_reviews_read(pk),
        evidence=_evidence_read(pk),
    )
    for part in (*page.reviews, *page.evidence):
        part.control = control  # as control.reviews.all() would have set it
    return page


# What a history table shows of an event; the chain's hashes and the request details stay unread.
HISTORY_FIELDS = ("seq", "created_at", "actor_label", "action", "changes")


HISTORY_LIMIT = 100


_history = PreparedQuery(
    lambda target_type, target_id: AuditEvent.objects.filter(target_type=target_type, target_id=target_id)
    .only(*HISTORY_FIELDS).order_by("-seq")[:HISTORY_LIMIT], str, str)


def control_history(control: Control) -> list[AuditEvent]:
    """The control's latest HISTORY_LIMIT audit events, newest first."""
    return _history(Control._meta.label_lower, str(control.pk))


def customer_history(customer: Customer) -> list[AuditEvent]:
    return _history(Customer._meta.label_lower, str(customer.pk))


def customer_applicable_controls(customer: Customer) -> QuerySet[Control]:
    return Control.objects.filter(applicable_controls_q(customer)).select_related("owner").order_by("reference")


@dataclass
class CoverageRow:
    category: Category
    counts: dict[str, int]
    total: int
    statement: CategoryStatement | None

    @property
    def segments(self) -> list[dict]:
        """Stacked-bar segments as percentages; the SVG takes them as attributes (no inline styles under CSP)."""
        if not self.total:
            return []
        out, offset = [], 0.0
        for status in Control.Status:
            n = self.counts.get(status.value, 0)
            if n:
                width = round(100 * n / self.total, 2)
                out.append({"status": status.value, "label": status.label, "count": n, "x": offset, "width": width})
                offset = round(offset + width, 2)
        return out

    @property
    def status_counts(self) -> list[tuple[str, int]]:
        return [(status.label, self.counts.get(status.value, 0)) for status in Control.Status]


def coverage(user) -> list[CoverageRow]:
    """The 17 SCC categories with the number of controls in each status (one grouped query)."""
    counts: dict[str, dict[str, int]] = {}
    rows = controls_visible_to(user).values("scc_category", "status").annotate(n=Count("id")).order_by()
    for row in rows:
        counts.setdefault(row["scc_category"], {})[row["status"]] = row["n"]
    statements = {s.scc_category: s for s in CategoryStatement.objects.all()}
    return [
        CoverageRow(
            category=cat, counts=counts.get(cat.id, {}), total=sum(counts.get(cat.id, {}).values()),
            statement=statements.get(cat.id),
        )
        for cat in scc_categories()
    ]
