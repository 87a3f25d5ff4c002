"""User administration: Admin changes, DPO and Auditor may look."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.accounts import selectors, services
from portal.accounts.forms import UserFilterForm, UserRolesForm
from portal.accounts.mfa import require_recent_mfa
from portal.accounts.models import User

PAGE_SIZE = 50


@login_required
@permission_required("accounts.view_user", raise_exception=True)
@require_GET
def user_list(request):
    form = UserFilterForm(request.GET or None)
    filters = {}
    if form.is_valid():
        filters = {"search": form.cleaned_data["q"], "role": form.cleaned_data["role"], "active": form.active_value()}
    page = Paginator(selectors.users_for_admin(**filters), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    template = "accounts/partials/_user_table.html" if request.htmx else "accounts/user_list.html"
    return render(request, template, context)


@login_required
@permission_required("accounts.view_user", raise_exception=True)
@require_GET
def user_detail(request, pk: int):
    subject = get_object_or_404(User.objects.select_related("manager").prefetch_related("groups"), pk=pk)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "subject": subject,
            "devices": selectors.user_devices(user=subject),
            "backup_codes_remaining": selectors.user_backup_codes_remaining(user=subject),
            "events": selectors.user_recent_events(user=subject),
            "roles_form": UserRolesForm(initial={"roles": subject.role_names}),
        },
    )


def _apply(request, change, subject: User, done: str):
    try:
        changed = change(actor=request.user, user=subject)
    except services.AccountRuleError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done if changed is not False else _("Nothing changed."))
    return redirect("accounts:user_detail", pk=subject.pk)


@login_required
@permission_required("accounts.manage_roles", raise_exception=True)
@require_POST
@require_recent_mfa
def user_roles(request, pk: int):
    subject = get_object_or_404(User, pk=pk)
    form = UserRolesForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose roles from the list."))
        return redirect("accounts:user_detail", pk=subject.pk)
    roles = form.cleaned_data["roles"]
    return _apply(request, lambda **kw: services.user_set_roles(roles=roles, **kw), subject,
                  _("Roles of %(user)s updated.") % {"user": subject})


def _confirm(request, subject: User, *, action: str, url_name: str, button: str, danger: bool = True):
    """The page that asks before an account change that cannot simply be undone; its form POSTs the change."""
    return render(request, "accounts/user_confirm.html", {
        "subject": subject, "action": action, "url_name": url_name, "button": button, "danger": danger,
    })


@login_required
@permission_required("accounts.deactivate_user", raise_exception=True)
@require_http_methods(["GET", "POST"])
def user_deactivate(request, pk: int):
    """GET asks for confirmation; POST deactivates."""
    subject = get_object_or_404(User, pk=pk)
    if request.method == "GET":
        return _confirm(request, subject, url_name="accounts:user_deactivate", button=gettext("Deactivate account"),
                        action=gettext("%(name)s will no longer be able to sign in. Their open sessions, API token "
                                       "and calendar link end now and do not come back if the account is "
                                       "reactivated later.") % {"name": subject})
    return _apply(request, services.user_deactivate, subject,
                  gettext("%(name)s was deactivated and can no longer sign in.") % {"name": subject})


@login_required
@permission_required("accounts.deactivate_user", raise_exception=True)
@require_POST
def user_reactivate(request, pk: int):
    subject = get_object_or_404(User, pk=pk)
    return _apply(request, services.user_reactivate, subject,
                  gettext("%(name)s was reactivated.") % {"name": subject})


@login_required
@permission_required("accounts.reset_mfa", raise_exception=True)
@require_http_methods(["GET", "POST"])
@require_recent_mfa
def user_reset_mfa(request, pk: int):
    """GET asks for confirmation; POST removes the user's second factors."""
    subject = get_object_or_404(User, pk=pk)
    if request.method == "GET":
        return _confirm(request, subject, url_name="accounts:user_reset_mfa",
                        button=gettext("Reset two-factor authentication"),
                        action=gettext("Every authenticator app and backup code of %(name)s is removed, and so are "
                                       "their API token and calendar link. They set up a new authenticator at "
                                       "their next sign-in, and are told by email.") % {"name": subject})
    return _apply(request, services.user_reset_mfa, subject,
                  gettext("Two-factor authentication of %(name)s was reset; they were told by email.")
                  % {"name": subject})
