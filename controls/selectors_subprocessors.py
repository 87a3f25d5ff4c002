"""Reads of the sub-processor register, and each customer's sub-processor list derived from its services.

A customer's list is never stored: it follows from the services the customer uses, the sub-processors
those services use, and the customer's notice of each change (notice_state decides). Every function
here runs a fixed number of queries, whatever the number of customers or sub-processors.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from controls.models import Customer, Service
from controls.models_subprocessors import (
    ChangeNotice,
    NoticeState,
    ProcessingCategory,
    ProcessorDetails,
    ServiceSubProcessor,
    SubProcessor,
    SubProcessorChange,
    SubProcessorTerms,
    notice_state,
)


def sees_subprocessors(user) -> bool:
    return user.has_perm("controls.view_subprocessor")


def subprocessors_visible_to(user) -> QuerySet[SubProcessor]:
    if not sees_subprocessors(user):
        return SubProcessor.objects.none()
    return SubProcessor.objects.all()


def subprocessor_list(user) -> QuerySet[SubProcessor]:
    """The register with what its table shows: services, certificate expiry and the responsible person."""
    return (
        subprocessors_visible_to(user)
        .select_related("certification_evidence", "owner")
        .prefetch_related(Prefetch("services", queryset=Service.objects.order_by("name")))
        .annotate(open_changes=Count("changes", filter=Q(changes__status=SubProcessorChange.Status.ANNOUNCED),
                                     distinct=True))
        .order_by("legal_name")
    )


def subprocessor_detail(user, slug: str) -> SubProcessor:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(
        subprocessors_visible_to(user)
        .select_related("dpa_evidence__control", "certification_evidence__control", "owner")
        .prefetch_related("performed_controls", "services"),
        slug=slug,
    )


def changes_visible_to(user) -> QuerySet[SubProcessorChange]:
    if not sees_subprocessors(user):
        return SubProcessorChange.objects.none()
    return SubProcessorChange.objects.select_related("subprocessor", "replaces", "created_by")


def change_detail(user, pk: int) -> SubProcessorChange:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(
        changes_visible_to(user).prefetch_related(
            "services", Prefetch("notices", queryset=ChangeNotice.objects.select_related("customer", "resolved_by"))
        ),
        pk=pk,
    )


def terms_for(customers) -> dict[int, SubProcessorTerms]:
    """Each customer's terms; customers without a row get the defaults (general authorisation, 30 days)."""
    ids = [c.pk for c in customers]
    found = {t.customer_id: t for t in SubProcessorTerms.objects.filter(customer_id__in=ids)}
    return {pk: found.get(pk) or SubProcessorTerms(customer_id=pk) for pk in ids}


@dataclass
class ListEntry:
    """One sub-processor on one customer's list."""

    subprocessor: SubProcessor
    state: str  # a NoticeState value; "effective" = in use for the customer
    services: list[str] = field(default_factory=list)  # the customer's services it is (or will be) used for
    takes_effect_on: date | None = None
    notice: ChangeNotice | None = None
    replaces: SubProcessor | None = None

    @property
    def in_use(self) -> bool:
        return self.state == NoticeState.EFFECTIVE

    @property
    def state_label(self) -> str:
        return NoticeState(self.state).label


# When one sub-processor appears through several services, the entry shows the state closest to use.
_STATE_RANK = {NoticeState.EFFECTIVE: 0, NoticeState.PENDING: 1, NoticeState.AWAITING_APPROVAL: 2,
               NoticeState.OBJECTED: 3, NoticeState.EXCLUDED: 4, NoticeState.WITHDRAWN: 5}


def customer_subprocessor_lists(customers, today: date | None = None) -> dict[int, list[ListEntry]]:
    """{customer id: its sub-processor entries, by name}: in use, announced, objected or excluded.

    Four queries whatever the number of customers: their services, the service links with their sub-processors
    and changes, the notices of those changes to these customers, and the services of replacement changes.
    """
    today = today or timezone.localdate()
    customers = list(customers)
    ids = [c.pk for c in customers]
    services_of: dict[int, set[int]] = {pk: set() for pk in ids}
    for customer_id, service_id in Customer.services.through.objects.filter(customer_id__in=ids).values_list(
        "customer_id", "service_id"
    ):
        services_of[customer_id].add(service_id)
    all_services = set().union(*services_of.values()) if services_of else set()
    links = list(
        ServiceSubProcessor.objects.filter(service_id__in=all_services, subprocessor__status=SubProcessor.Status.ACTIVE)
        .select_related("service", "subprocessor", "change__replaces")
        .order_by("subprocessor__legal_name", "service__name")
    )
    change_ids = {link.change_id for link in links if link.change_id}
    notices = {
        (n.change_id, n.customer_id): n
        for n in ChangeNotice.objects.filter(change_id__in=change_ids, customer_id__in=ids)
    }
    replaced_services: dict[int, set[int]] = {}  # replacement change id -> its services
    replacements = [link.change for link in links if link.change_id and link.change.replaces_id]
    for change_id, service_id in SubProcessorChange.services.through.objects.filter(
        subprocessorchange_id__in={c.pk for c in replacements}
    ).values_list("subprocessorchange_id", "service_id"):
        replaced_services.setdefault(change_id, set()).add(service_id)

    def state_of(link, customer_id):
        change = link.change
        if change is None:
            return NoticeState.EFFECTIVE, None
        notice = notices.get((change.pk, customer_id))
        if notice is None:
            # Not affected when announced (the customer took up the service later): the list signed applies.
            if change.status == SubProcessorChange.Status.WITHDRAWN:
                return NoticeState.WITHDRAWN, None
            return NoticeState.EFFECTIVE, None
        notice.change = change
        return notice_state(change_status=change.status, authorisation=notice.authorisation,
                            takes_effect_on=notice.takes_effect_on, response=notice.response,
                            resolution=notice.resolution, today=today), notice

    result: dict[int, list[ListEntry]] = {}
    for customer in customers:
        used = services_of[customer.pk]
        states = [(link, *state_of(link, customer.pk)) for link in links if link.service_id in used]
        # A replacement in effect for this customer ends the old sub-processor's use for the services it covers.
        replaced = {
            (service_id, link.change.replaces_id)
            for link, state, _notice in states
            if state == NoticeState.EFFECTIVE and link.change_id and link.change.replaces_id
            for service_id in replaced_services.get(link.change_id, ())
        }
        entries: dict[int, ListEntry] = {}
        for link, state, notice in states:
            if state == NoticeState.EFFECTIVE and (link.service_id, link.subprocessor_id) in replaced:
                continue
            entry = entries.get(link.subprocessor_id)
            if entry is None or _STATE_RANK[state] < _STATE_RANK[entry.state]:
                services = entry.services if entry else []
                entry = entries[link.subprocessor_id] = ListEntry(
                    subprocessor=link.subprocessor, state=state, services=services, notice=notice,
                    takes_effect_on=notice.takes_effect_on if notice else None,
                    replaces=link.change.replaces if link.change_id else None,
                )
            entry.services.append(link.service.name)
        result[customer.pk] = sorted(entries.values(), key=lambda e: e.subprocessor.legal_name)
    return result


def customer_subprocessors(customer: Customer, today: date | None = None) -> list[ListEntry]:
    return customer_subprocessor_lists([customer], today)[customer.pk]


def subprocessors_in_use(customer: Customer, today: date | None = None) -> list[SubProcessor]:
    """The sub-processors that process the customer's data today."""
    return [e.subprocessor for e in customer_subprocessors(customer, today) if e.in_use]


def open_changes(user) -> QuerySet[SubProcessorChange]:
    return changes_visible_to(user).filter(status=SubProcessorChange.Status.ANNOUNCED).annotate(
        notice_count=Count("notices", distinct=True),
        objection_count=Count("notices", filter=Q(notices__response=ChangeNotice.Response.OBJECTED,
                                                  notices__resolution=""), distinct=True),
    )


def notice_by_token(token: str) -> ChangeNotice | None:
    if not token or len(token) > 200:
        return None
    return (
        ChangeNotice.objects.select_related("change__subprocessor", "change__replaces", "customer")
        .prefetch_related("change__services")
        .filter(token_sha256=ChangeNotice.hash_token(token))
        .first()
    )


def processing_categories() -> QuerySet[ProcessingCategory]:
    return ProcessingCategory.objects.select_related("service").order_by("service__name", "name")


def processor_details() -> ProcessorDetails:
    """The stored details, or unsaved defaults naming the organisation from the settings."""
    from django.conf import settings

    return ProcessorDetails.objects.filter(pk=1).first() or ProcessorDetails(pk=1, name=settings.ORGANISATION_NAME)
