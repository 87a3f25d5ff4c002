"""Reads of incident cases, scoped to the user: every list and lookup starts from incidents_visible_to()."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from incidents.models import (
    OPEN_PHASES,
    Assessment,
    Incident,
    IncidentEvidence,
    IncidentUserObjectPermission,
    NoticeRecord,
    Obligation,
    Phase,
    Task,
    TimelineEntry,
)
from incidents.services import VIEW_PERMISSION, can_see_all


def incidents_visible_to(user) -> QuerySet[Incident]:
    """The cases `user` may see: all for the DPO and admins; otherwise those they are granted (guardian)."""
    if not user.is_authenticated or not user.has_perm("incidents.view_incident"):
        return Incident.objects.none()
    if can_see_all(user):
        return Incident.objects.all()
    return Incident.objects.filter(case_granted(user))


def case_granted(user, case: str = "pk") -> Exists:
    """Whether `user` holds the need-to-know grant on the case at `case` (a subquery, for filter or annotate)."""
    return Exists(IncidentUserObjectPermission.objects.filter(
        content_object=OuterRef(case), user=user, permission__codename=VIEW_PERMISSION,
        permission__content_type__app_label="incidents"))


def may_open_case(user, *, granted: bool) -> bool:
    """The rule of incidents_visible_to for one case whose grant was read with case_granted()."""
    return user.has_perm("incidents.view_incident") and (can_see_all(user) or granted)


BOARD_COLUMNS = ("id", "reference", "title", "phase", "severity", "is_exercise", "aware_at", "assignee_ids",
                 "next_deadline_at")


def board_cases(user, *, show: str = "open") -> QuerySet[Incident]:
    """The cases on the board (open, closed or all that the user may see), in no order."""
    qs = incidents_visible_to(user)
    if show == "open":
        qs = qs.filter(phase__in=OPEN_PHASES)
    elif show == "closed":
        qs = qs.exclude(phase__in=OPEN_PHASES)
    return qs


def board(user, *, show: str = "open") -> QuerySet[Incident]:
    """The responders' board: open cases, the most urgent first (nearest open deadline, then severity).

    Sorted by the nearest deadline the obligation services keep on each case; cases without a running clock last.
    """
    qs = board_cases(user, show=show)
    severity_rank = Case(When(severity="critical", then=Value(0)), When(severity="high", then=Value(1)),
                         When(severity="medium", then=Value(2)), default=Value(3), output_field=IntegerField())
    return (qs.only(*BOARD_COLUMNS)
            .annotate(severity_rank=severity_rank)
            .order_by(F("next_deadline_at").asc(nulls_last=True), "severity_rank", "-aware_at", "-pk"))


def board_obligations(incidents: list[Incident]) -> dict[int, list[Obligation]]:
    """The open and filed obligations of the board's cases, in one query."""
    by_case: dict[int, list[Obligation]] = {i.pk: [] for i in incidents}
    rows = (Obligation.objects.filter(incident_id__in=list(by_case))
            .exclude(status=Obligation.Status.WITHDRAWN)
            .only("id", "incident_id", "title", "recipient_label", "status", "deadline_at", "clock_start",
                  "filed_late")
            .order_by(F("deadline_at").asc(nulls_last=True), "pk"))
    for obligation in rows:
        by_case[obligation.incident_id].append(obligation)
    return by_case


@dataclass
class CasePage:
    incident: Incident
    obligations: list[Obligation]
    timeline: list[TimelineEntry]
    tasks: list[Task]
    evidence: list[IncidentEvidence]
    notices: list[NoticeRecord]
    assessment: Assessment | None
    assignees: list
    customers: list
    controls: list


def case_page(user, pk: int) -> CasePage:
    """Everything the case page shows, in a fixed number of queries; 404 for a case the user may not see."""
    from django.shortcuts import get_object_or_404

    incident = get_object_or_404(incidents_visible_to(user), pk=pk)
    return CasePage(
        incident=incident,
        obligations=list(incident.obligations.select_related("customer", "filed_by", "decided_by")
                         .order_by(F("deadline_at").asc(nulls_last=True), "pk")),
        timeline=list(incident.timeline.select_related("author")),
        tasks=list(incident.tasks.select_related("owner", "control")),
        evidence=list(incident.evidence.select_related("uploaded_by")),
        notices=list(incident.notices.select_related("sent_by", "customer")),
        assessment=Assessment.objects.filter(incident=incident).select_related("decided_by", "assessed_by").first(),
        assignees=list(incident.assignees.order_by("full_name")),
        customers=list(incident.customers.order_by("name")),
        controls=list(incident.controls.order_by("reference")),
    )


def evidence_visible_to(user) -> QuerySet[IncidentEvidence]:
    return IncidentEvidence.objects.filter(incident__in=incidents_visible_to(user)).select_related("incident")


def obligations_visible_to(user) -> QuerySet[Obligation]:
    return Obligation.objects.filter(incident__in=incidents_visible_to(user)).select_related("incident", "template")


def tasks_visible_to(user) -> QuerySet[Task]:
    return Task.objects.filter(incident__in=incidents_visible_to(user)).select_related("incident")


def breach_register(user, *, include_exercises: bool = False) -> QuerySet[Incident]:
    """Every personal data breach, notified or not (Art. 33(5)); exercises stay out."""
    qs = incidents_visible_to(user).filter(personal_data_involved=True).exclude(phase=Phase.NOT_A_BREACH)
    if not include_exercises:
        qs = qs.filter(is_exercise=False)
    return qs.select_related("assessment").prefetch_related(
        Prefetch("customers"),
        Prefetch("obligations", queryset=Obligation.objects.exclude(status=Obligation.Status.WITHDRAWN)
                 .order_by("pk")),
    ).order_by("-aware_at", "-pk")


def statistics(user, now: datetime | None = None) -> dict:
    """Open cases and their clocks for the dashboard, in one query; exercises excluded."""
    now = now or timezone.now()
    running = Q(obligations__status=Obligation.Status.OPEN)
    return incidents_visible_to(user).filter(is_exercise=False, phase__in=OPEN_PHASES).aggregate(
        open=Count("pk", distinct=True),
        overdue=Count("obligations", filter=running & Q(obligations__deadline_at__lt=now)),
        due_24h=Count("obligations", filter=running & Q(obligations__deadline_at__gte=now,
                                                        obligations__deadline_at__lt=now + timedelta(hours=24))),
    )
