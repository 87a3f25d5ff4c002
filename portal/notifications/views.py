from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.accounts.mfa import require_recent_mfa
from portal.notifications import ical, selectors, services, services_preferences
from portal.notifications.forms import PreferenceForm
from portal.notifications.models import CalendarFeed, NotificationPreference

PAGE_SIZE = 50


def _back(request, default: str = "notifications:list"):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(default)


@login_required
@require_GET
def notification_list(request):
    page = Paginator(selectors.notifications_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/notification_list.html", {"page": page})


@login_required
@require_POST
def notification_read(request, pk: int):
    notification = get_object_or_404(selectors.notifications_for(request.user), pk=pk)
    services_preferences.notification_mark_read(notification=notification, actor=request.user)
    if request.htmx:
        notification.read_at = notification.read_at or timezone.now()
        return render(request, "notifications/partials/_notification.html", {"notification": notification})
    return _back(request)


@login_required
@require_POST
def notification_read_all(request):
    count = services_preferences.notifications_mark_all_read(user=request.user, actor=request.user)
    messages.success(request, ngettext("Marked %(count)d notification as read.",
                                       "Marked %(count)d notifications as read.", count) % {"count": count})
    return _back(request)


def _preferences_page(request, *, form=None, calendar_url: str = "", status: int = 200):
    pref = NotificationPreference.objects.filter(user=request.user).first() or NotificationPreference()
    return render(request, "notifications/preferences.html", {
        "form": form or PreferenceForm(instance=pref),
        "calendar_feed": CalendarFeed.objects.filter(user=request.user).first(),
        "calendar_url": calendar_url,
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    if request.method == "GET":
        return _preferences_page(request)
    form = PreferenceForm(request.POST)
    if not form.is_valid():
        return _preferences_page(request, form=form, status=400)
    services_preferences.preferences_update(user=request.user, actor=request.user, **form.cleaned_data)
    messages.success(request, _("Your notification preferences are saved."))
    return redirect("notifications:preferences")


@never_cache  # the feed secret is shown in this response only
@login_required
@require_POST
@require_recent_mfa  # the link is a standing credential, like an API token
def calendar_issue(request):
    token = services_preferences.calendar_feed_issue(user=request.user, actor=request.user)
    url = request.build_absolute_uri(reverse("notifications:calendar_feed", kwargs={"token": token}))
    # The token is stored hashed, so this response is the only time it is shown.
    return _preferences_page(request, calendar_url=url)


@login_required
@require_POST
def calendar_revoke(request):
    if services_preferences.calendar_feed_revoke(user=request.user, actor=request.user):
        messages.success(request, _("The calendar link no longer works. Remove the calendar from your apps."))
    return redirect("notifications:preferences")


@never_cache
@require_GET
def calendar_feed(request, token: str):
    """The secret URL is the credential: calendar apps cannot sign in or pass MFA."""
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=CalendarFeed.hash_token(token), user__is_active=True).first()
    )
    if feed is None:
        raise Http404
    entries = selectors.calendar_entries_for(feed.user, today=timezone.localdate())
    events = [{**e, "url": request.build_absolute_uri(e["link"]) if e["link"] else ""} for e in entries]
    body = ical.calendar(name=_("Annex due dates"), events=events, stamp=timezone.now(), domain=request.get_host())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="annex-due-dates.ics"'
    response["X-Robots-Tag"] = "noindex"
    return response


def _require_delivery_admin(user) -> None:
    if not user.has_perm("notifications.retry_delivery"):
        raise PermissionDenied


@login_required
@require_GET
def failed_list(request):
    _require_delivery_admin(request.user)
    page = Paginator(selectors.failed_deliveries(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/failed_list.html", {"page": page})


@login_required
@require_POST
def failed_retry(request, pk: int):
    _require_delivery_admin(request.user)
    notification = get_object_or_404(selectors.failed_deliveries(), pk=pk)
    services.notification_retry(notification=notification, actor=request.user)
    messages.success(request, _("Queued “%(title)s” to %(email)s again.")
                     % {"title": notification.title, "email": notification.recipient.email})
    return redirect("notifications:failed_list")
