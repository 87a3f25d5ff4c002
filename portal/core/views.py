import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

from portal.audit.models import AuditAction, AuditEvent
from portal.core.caching import cache_fresh
from portal.core.charts import source_svg, trend_charts
from portal.core.dashboard import POSTURE_CACHE_SECONDS, panels_for, posture_for, posture_key, sees_posture
from portal.core.exports import PROGRAMME_REPORT, PROGRAMME_REPORT_PERMISSION
from portal.core.inbox import inbox_cached
from portal.core.metrics import sources_for
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


def _programme_html(user, perms: set[str], today) -> str:
    """The posture cards and the trend charts, rendered at most once a minute for everyone who sees the same cards
    and charts in the same language: their queries and drawing 90 days of figures cost far more than the rest of
    the page (docs/performance.md). The figures of a card are the whole programme's, whoever looks."""
    charts = ",".join(source.name for source in sources_for(user, perms))
    key = f"core:programme:{translation.get_language()}:{today.isoformat()}:{posture_key(user, perms)}:{charts}"
    return cache_fresh(key, lambda: render_to_string("portal/partials/_programme.html", {
        "cards": posture_for(user, today=today, perms=perms),
        "trends": trend_charts(trends_for(user)) if charts else [],
    }), POSTURE_CACHE_SECONDS)


def _panel_part(request, name: str, perms: set[str]):
    """One panel alone, for its own refresh (the responder's countdowns); 404 for a panel this user does not get."""
    panel = next((p for p in panels_for(request.user, perms) if p["name"] == name), None)
    if panel is None:
        raise Http404(gettext("No such panel."))
    return render(request, panel["template"], {"panel": panel})


@login_required
@require_GET
def trend_chart(request, name: str):
    """One trend of the home page as an SVG image, drawn at most once a minute per language; 404 for a trend this
    user may not see."""
    perms = request.user.get_all_permissions()
    if name not in {source.name for source in sources_for(request.user, perms)}:
        raise Http404(gettext("No such trend."))
    key = f"core:trend-svg:{translation.get_language()}:{timezone.localdate().isoformat()}:{name}"

    def draw() -> str:
        trend = next(iter(trends_for(request.user, names=[name])), None)
        if trend is None or not trend["days"]:
            raise Http404(gettext("No figures yet."))
        return source_svg(trend)

    svg = cache_fresh(key, draw, POSTURE_CACHE_SECONDS)
    return HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")


@login_required
@require_GET
def dashboard(request):
    """The home page: everyone's task inbox; the programme's posture and trends for the DPO, administrators and
    auditors; the others' own work (their controls, cases, training and notices); their own sign-in events."""
    user = request.user
    perms = user.get_all_permissions()
    if request.htmx and request.GET.get("part"):
        return _panel_part(request, request.GET["part"], perms)
    today = timezone.localdate()
    posture = sees_posture(user, perms)
    own_events = sorted([*_signed_in_as(user.pk), *_tried_on(str(user.pk))], key=lambda e: e.seq, reverse=True)
    return render(
        request,
        "portal/dashboard.html",
        {"roles": user.role_names, "own_events": own_events[:OWN_EVENTS],
         "inbox": inbox_cached(user, today, perms=perms),
         "sees_posture": posture,
         "panels": [] if posture else panels_for(user, perms),
         "programme_html": _programme_html(user, perms, today) if posture else "",
         "report_kind": PROGRAMME_REPORT if posture and PROGRAMME_REPORT_PERMISSION in perms else ""},
    )
