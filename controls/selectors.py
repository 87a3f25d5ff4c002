"""Reads of the control inventory, scoped to the user and with their related rows loaded."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
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
from portal.accounts.models import User
from portal.audit.models import AuditEvent

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


def controls_visible_to(user) -> QuerySet[Control]:
    if not user.has_perm("controls.view_control"):
        return Control.objects.none()
    return Control.objects.all()


def evidence_visible_to(user) -> QuerySet[Evidence]:
    """Evidence of the controls the user may see, removed items included (they stay on the record)."""
    return Evidence.objects.filter(control__in=controls_visible_to(user)).select_related("control")


def customers_visible_to(user) -> QuerySet[Customer]:
    if not user.has_perm("controls.view_customer"):
        return Customer.objects.none()
    return Customer.objects.all()


def overdue_q(today=None) -> Q:
    today = today or timezone.localdate()
    return Q(next_review_due__lt=today) & ~Q(status=Control.Status.RETIRED)


def applicable_controls_q(customer: Customer) -> Q:
    """Controls that apply to a customer: organisation-wide or for its services, plus inclusions, less exclusions."""
    overrides = CustomerControlOverride.objects.filter(customer=customer)
    by_service = Control.services.through.objects.filter(
        service_id__in=customer.services.values("id")
    ).values("control_id")
    included = overrides.filter(mode=CustomerControlOverride.Mode.INCLUDE).values("control_id")
    excluded = overrides.filter(mode=CustomerControlOverride.Mode.EXCLUDE).values("control_id")
    applies = Q(applies_to_all_services=True) | Q(pk__in=by_service)
    return ((applies & ~Q(status=Control.Status.RETIRED)) | Q(pk__in=included)) & ~Q(pk__in=excluded)


def control_list(
    user,
    *,
    search: str = "",
    category: str = "",
    status: str = "",
    owner_id: int | None = None,
    overdue: bool = False,
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
    if customer is not None:
        qs = qs.filter(applicable_controls_q(customer))
    order = SORTS.get(sort, "reference")
    return qs.order_by(order, "reference") if order.lstrip("-") != "reference" else qs.order_by(order)


_PERSON_SHOWN = ("full_name", "email", "is_active")


def _attach_people(pairs: list[tuple[object, str]]) -> None:
    """Fill each (object, person field) pair from one query of the people's names.

    The page shows a person as User.__str__ (name or email). Joining the user table into each query
    would double what Django spends compiling it; one small query by primary key costs less.
    """
    ids = {getattr(obj, f"{name}_id") for obj, name in pairs} - {None}
    people = {person.pk: person for person in User.objects.filter(pk__in=ids).only(*_PERSON_SHOWN)} if ids else {}
    for obj, name in pairs:
        setattr(obj, name, people.get(getattr(obj, f"{name}_id")))


@dataclass
class ControlPage:
    """One control and what its page shows with it."""

    control: Control
    services: list[Service]
    related: list[Control]
    reviews: list[Review]
    evidence: list[Evidence]


def control_detail(user, pk: int) -> ControlPage:
    """The control and its parts, one plain query each: for a single object prefetch_related's matching
    machinery costs more than it saves, and a control for every service needs no service query at all."""
    control = get_object_or_404(controls_visible_to(user), pk=pk)
    page = ControlPage(
        control=control,
        services=[] if control.applies_to_all_services else list(control.services.all()),
        related=list(control.related.only("reference", "title", "status").order_by("reference")),
        reviews=list(control.reviews.all()),
        evidence=list(control.evidence.all()),
    )
    _attach_people([(control, "owner"), *((r, "reviewer") for r in page.reviews),
                    *((e, name) for e in page.evidence for name in ("uploaded_by", "removed_by"))])
    return page


# What a history table shows of an event; the chain's hashes and the request details stay unread.
HISTORY_FIELDS = ("seq", "created_at", "actor_label", "action", "changes")


def _history(model, pk, limit: int) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(target_type=model._meta.label_lower, target_id=str(pk))
        .only(*HISTORY_FIELDS).order_by("-seq")[:limit]
    )


def control_history(control: Control, limit: int = 100) -> list[AuditEvent]:
    return _history(Control, control.pk, limit)


def customer_history(customer: Customer, limit: int = 100) -> list[AuditEvent]:
    return _history(Customer, customer.pk, limit)


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
