import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

from portal.audit.models import AuditAction, AuditEvent
from portal.core.charts import trend_charts
from portal.core.dashboard import panels_for
from portal.core.inbox import inbox_for
from portal.core.selectors import trends_for

logger = logging.getLogger(__name__)


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_broker() -> None:
    with Connection(
        settings.CELERY_BROKER_URL,
        transport_options=getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}),
        connect_timeout=2,
    ) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


@never_cache
@require_GET
def healthz(request):
    """Liveness and readiness for load balancers: database and broker reachable. No secrets."""
    checks = {}
    for name, probe in (("database", _check_database), ("broker", _check_broker)):
        try:
            probe()
            checks[name] = "ok"
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
            logger.warning("healthz: %s check failed: %s", name, exc)
            checks[name] = "unavailable"
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if healthy else "degraded", "checks": checks}, status=200 if healthy else 503)


@login_required
@require_GET
def about(request):
    """Version and licence of this installation; the lightest authenticated page (the benchmark floor)."""
    import django

    return render(request, "portal/about.html", {"django_version": django.get_version()})


# The landing page's own security events.
OWN_EVENTS = 8
_OWN_EVENT_FIELDS = ("seq", "created_at", "action", "ip", "user_agent")


def _signed_in_as(pk: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(actor_id=pk, action__in=[
        AuditAction.LOGIN, AuditAction.MFA_VERIFIED, AuditAction.MFA_FAILED, AuditAction.MFA_ENROLLED,
    ]).only(*_OWN_EVENT_FIELDS)[:OWN_EVENTS])


def _tried_on(target_id: str) -> list[AuditEvent]:
    # A failed password has no actor (nobody signed in); it names the account it was tried on. Two indexed
    # queries merged in the view: one OR across them makes PostgreSQL walk the whole trail for a quiet account.
    return list(AuditEvent.objects.filter(
        action=AuditAction.LOGIN_FAILED, target_type="accounts.user", target_id=target_id,
    ).only(*_OWN_EVENT_FIELDS)[:OWN_EVENTS])


@login_required
@require_GET
def dashboard(request):
    """The landing page: the panels of the apps this user may use, and their own recent security events."""
    user = request.user
    own_events = sorted([*_signed_in_as(user.pk), *_tried_on(str(user.pk))], key=lambda e: e.seq, reverse=True)
    return render(
        request,
        "portal/dashboard.html",
        {"roles": user.role_names, "own_events": own_events[:OWN_EVENTS],
         "panels": panels_for(request.user),
         "inbox": inbox_for(user, timezone.localdate()),
         "trends": trend_charts(trends_for(user))},
    )
