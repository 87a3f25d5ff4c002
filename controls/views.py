"""HTTP views of the control register: validate, call one service, render or redirect."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from controls import selectors, services
from controls.catalogue_loader import control_is_locally_edited
from controls.follow_ups import follow_ups_for
from controls.forms import BulkOwnerForm, ControlFilterForm, ControlForm, ReviewForm
from controls.live_facts import facts_for
from controls.models import Control

PAGE_SIZE = 50


def add_service_errors(form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the field it names, else above the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# What the register table shows; descriptions and parameters stay in the database.
REGISTER_COLUMNS = ("id", "reference", "title", "scc_category", "status", "next_review_due",
                    "owner__full_name", "owner__email")


@login_required
@permission_required("controls.view_control", raise_exception=True)
@require_GET
def control_list(request):
    """The register: filters, search, sort and 50 per page; the htmx request gets only the table."""
    form = ControlFilterForm(request.GET or None, user=request.user)
    filters = form.selector_kwargs()
    sort = filters["sort"]
    controls = selectors.control_list(request.user, **filters).only(*REGISTER_COLUMNS)
    page = Paginator(controls, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = query.copy()
    sort_query.pop("sort", None)
    can_manage = request.user.has_perm("controls.change_any_control")
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "sort_query": sort_query.urlencode(),
        "sort": sort,
        "today": timezone.localdate(),
        "can_manage": can_manage,
        # The owner picker itself is fetched when the manager opens it (controls:bulk_owner_form).
        "bulk_form": can_manage,
        "can_add": request.user.has_perm("controls.add_control"),
        "can_import": can_manage and request.user.has_perm("controls.add_control"),
    }
    template = "controls/partials/_control_table.html" if request.htmx else "controls/control_list.html"
    # A filter that is not valid is shown with its message (and left out of the filtering): a 400, not a 200.
    return render(request, template, context, status=400 if form.is_bound and form.errors else 200)


@login_required
@permission_required("controls.change_any_control", raise_exception=True)
@require_POST
def control_bulk_owner(request):
    form = BulkOwnerForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("controls:list")
    try:
        changed = services.control_bulk_change_owner(
            control_ids=[c.pk for c in form.cleaned_data["controls"]], owner=form.cleaned_data["owner"],
            actor=request.user,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, ngettext("%(count)d control now owned by %(owner)s.",
                                           "%(count)d controls now owned by %(owner)s.", len(changed))
                         % {"count": len(changed), "owner": form.cleaned_data["owner"]})
    return redirect("controls:list")


@login_required
@permission_required("controls.change_any_control", raise_exception=True)
@require_GET
def control_bulk_owner_form(request):
    """The owner picker of the bulk change, loaded into the register page when a manager opens it."""
    template = "controls/partials/_bulk_owner_form.html" if request.htmx else "controls/control_bulk_owner.html"
    return render(request, template, {"bulk_form": BulkOwnerForm()})


@login_required
@permission_required("controls.view_control", raise_exception=True)
@require_GET
def control_detail(request, pk: int):
    page = selectors.control_detail(request.user, pk)
    control = page.control
    return render(request, "controls/control_detail.html", {
        "control": control,
        "services": page.services,
        "related": page.related,
        "reviews": page.reviews,
        "evidence": [e for e in page.evidence if e.removed_at is None],
        "removed_evidence": [e for e in page.evidence if e.removed_at is not None],
        "history": selectors.control_history(control),
        "can_change": services.can_change_control(request.user, control),
        "can_review": services.can_review_control(request.user, control),
        # A control for every service had no service query; its services (normally none) are read only here.
        "locally_edited": control_is_locally_edited(
            control, services=None if control.applies_to_all_services else page.services, related=page.related),
        "live_facts": facts_for(control),
        "follow_ups": follow_ups_for(control, request.user),
        "today": timezone.localdate(),
    })


@login_required
@permission_required("controls.add_control", raise_exception=True)
@require_http_methods(["GET", "POST"])
def control_create(request):
    form = ControlForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            control = services.control_create(actor=request.user, **form.service_kwargs())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Control %(reference)s added.") % {"reference": control.reference})
            return redirect("controls:detail", pk=control.pk)
    return render(request, "controls/control_form.html", {"form": form, "control": None})


@login_required
@permission_required("controls.change_control", raise_exception=True)
@require_http_methods(["GET", "POST"])
def control_edit(request, pk: int):
    control = get_object_or_404(selectors.controls_visible_to(request.user), pk=pk)
    if not services.can_change_control(request.user, control):
        raise PermissionDenied(_("You may change only the controls you own."))
    can_manage = request.user.has_perm("controls.change_any_control")
    form = ControlForm(request.POST or None, instance=control, can_manage=can_manage)
    if request.method == "POST" and form.is_valid():
        # The form has copied its input onto `control`; the service reloads the row it changes.
        try:
            control = services.control_update(
                control=control, actor=request.user,
                expected_version=form.cleaned_data.get("expected_version") or 0, **form.service_kwargs(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Control %(reference)s saved.") % {"reference": control.reference})
            return redirect("controls:detail", pk=control.pk)
    return render(request, "controls/control_form.html", {"form": form, "control": control})


@login_required
@permission_required("controls.review_control", raise_exception=True)
@require_http_methods(["GET", "POST"])
def control_review(request, pk: int):
    control = get_object_or_404(selectors.controls_visible_to(request.user).select_related("owner"), pk=pk)
    if not services.can_review_control(request.user, control):
        raise PermissionDenied(_("You may review only the controls you own."))
    form = ReviewForm(request.POST or None, initial={"reviewed_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            review = services.control_record_review(control=control, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Review recorded: %(outcome)s. Next review due %(due)s.")
                % {"outcome": review.get_outcome_display(), "due": date_format(review.next_review_due)},
            )
            return redirect("controls:detail", pk=control.pk)
    return render(request, "controls/control_review.html", {"form": form, "control": control})


@login_required
@permission_required("controls.view_control", raise_exception=True)
@require_GET
def control_coverage(request):
    rows = selectors.coverage(request.user)
    return render(request, "controls/control_coverage.html", {
        "rows": rows,
        "statuses": Control.Status,
        "total": sum(r.total for r in rows),
    })
