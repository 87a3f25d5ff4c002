"""Reads of the retention register, runs, holds and offboardings."""

from django.db.models import Count, Q, QuerySet

from portal.retention.models import LegalHold, Offboarding, RetentionPolicy, RetentionRun
from portal.retention.registry import targets


def policy_list() -> QuerySet[RetentionPolicy]:
    return RetentionPolicy.objects.select_related("owner").order_by("data_category", "key")


def targets_by_policy() -> dict[str, list]:
    """Registered targets per policy key (code, no query)."""
    grouped: dict[str, list] = {}
    for target in targets():
        grouped.setdefault(target.policy, []).append(target)
    return grouped


def recent_runs(limit: int = 20) -> list[RetentionRun]:
    return list(RetentionRun.objects.select_related("started_by").order_by("-started_at", "-pk")[:limit])


def active_holds_list() -> QuerySet[LegalHold]:
    return LegalHold.objects.filter(released_at__isnull=True).select_related("set_by", "content_type")


def released_holds_list(limit: int = 20) -> list[LegalHold]:
    return list(LegalHold.objects.filter(released_at__isnull=False).select_related("set_by", "released_by")
                .order_by("-released_at")[:limit])


def offboarding_list() -> QuerySet[Offboarding]:
    return Offboarding.objects.select_related("started_by").annotate(
        step_count=Count("steps"), confirmed_count=Count("steps", filter=Q(steps__confirmed_at__isnull=False)),
    ).order_by("status", "contract_ends_on")
