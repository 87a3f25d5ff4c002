"""HTTP views of the customers (controllers) and which controls apply to each."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from controls import selectors, services
from controls.forms import CustomerForm, OverrideForm
from controls.models import CustomerControlOverride
from controls.views import add_service_errors
from portal.accounts.mfa import require_recent_mfa
from portal.retention.offboarding import offboarding_for, offboarding_start


def _annex(request, customer) -> dict:
    """The customer's TOM annex: its terms, the version in force and the notices (for those who see annexes)."""
    if not request.user.has_perm("exports.view_annexversion"):
        return {"annex_panel": {}}
    from controls.services_annex import annex_subject_panel

    return {"annex_panel": annex_subject_panel(customer.slug)}


def _end_of_contract(request, customer) -> dict:
    """The customer's offboarding (Art. 28(3)(g) GDPR), if it has started, and whether this user may start it."""
    return {"offboarding": offboarding_for(customer),
            "can_offboard": request.user.has_perm("retention.change_offboarding")}


@login_required
@permission_required("controls.view_customer", raise_exception=True)
@require_GET
def customer_list(request):
    customers = (
        selectors.customers_visible_to(request.user)
        .annotate(service_count=Count("services", distinct=True), override_count=Count("overrides", distinct=True))
        .order_by("name")
    )
    return render(request, "controls/customer_list.html", {
        "customers": customers,
        "can_add": request.user.has_perm("controls.add_customer"),
    })


@login_required
@permission_required("controls.view_customer", raise_exception=True)
@require_GET
def customer_detail(request, slug: str):
    customer = get_object_or_404(
        selectors.customers_visible_to(request.user).prefetch_related("services"), slug=slug
    )
    can_change = request.user.has_perm("controls.change_customer")
    return render(request, "controls/customer_detail.html", {
        "customer": customer,
        "controls": selectors.customer_applicable_controls(customer),
        "overrides": customer.overrides.select_related("control", "created_by"),
        "history": selectors.customer_history(customer) if can_change else [],
        "can_change": can_change,
        "can_view_controls": request.user.has_perm("controls.view_control"),
        "override_form": OverrideForm() if can_change else None,
        **_end_of_contract(request, customer),
        **_annex(request, customer),
    })


@login_required
@permission_required("controls.add_customer", raise_exception=True)
@require_http_methods(["GET", "POST"])
def customer_create(request):
    form = CustomerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_create(actor=request.user, **form.service_kwargs())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Customer %(name)s added.") % {"name": customer.name})
            return redirect("customers:detail", slug=customer.slug)
    return render(request, "controls/customer_form.html", {"form": form, "customer": None})


@login_required
@permission_required("controls.change_customer", raise_exception=True)
@require_http_methods(["GET", "POST"])
def customer_edit(request, slug: str):
    customer = get_object_or_404(selectors.customers_visible_to(request.user), slug=slug)
    form = CustomerForm(request.POST or None, instance=customer)
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_update(
                customer=customer, actor=request.user,
                expected_version=form.cleaned_data.get("expected_version") or 0, **form.service_kwargs(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Customer %(name)s saved.") % {"name": customer.name})
            return redirect("customers:detail", slug=customer.slug)
    return render(request, "controls/customer_form.html", {"form": form, "customer": customer})


@login_required
@permission_required("controls.change_customer", raise_exception=True)
@require_POST
def customer_override_set(request, slug: str):
    customer = get_object_or_404(selectors.customers_visible_to(request.user), slug=slug)
    form = OverrideForm(request.POST)
    if form.is_valid():
        try:
            override = services.customer_set_override(customer=customer, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, (_("Included %(reference)s for %(customer)s.")
                                      if override.mode == override.Mode.INCLUDE
                                      else _("Excluded %(reference)s for %(customer)s."))
                             % {"reference": override.control.reference, "customer": customer})
            return redirect("customers:detail", slug=customer.slug)
    return render(request, "controls/customer_detail.html", {
        "customer": customer,
        "controls": selectors.customer_applicable_controls(customer),
        "overrides": customer.overrides.select_related("control", "created_by"),
        "history": selectors.customer_history(customer),
        "can_change": True,
        "can_view_controls": request.user.has_perm("controls.view_control"),
        "override_form": form,
        **_end_of_contract(request, customer),
        **_annex(request, customer),
    }, status=400)


@login_required
@permission_required("controls.change_customer", raise_exception=True)
@require_POST
def customer_override_remove(request, slug: str, pk: int):
    customer = get_object_or_404(selectors.customers_visible_to(request.user), slug=slug)
    override = get_object_or_404(CustomerControlOverride.objects.select_related("control"), customer=customer, pk=pk)
    services.customer_remove_override(override=override, actor=request.user)
    messages.success(request, _("Override for %(reference)s removed.") % {"reference": override.control.reference})
    return redirect("customers:detail", slug=customer.slug)


@login_required
@permission_required("retention.change_offboarding", raise_exception=True)
@require_POST
@require_recent_mfa
def customer_offboarding_start(request, slug: str):
    """Start the end-of-contract checklist with the contract end and the choice recorded on the customer."""
    customer = get_object_or_404(selectors.customers_visible_to(request.user), slug=slug)
    try:
        offboarding = offboarding_start(
            subject=customer, subject_key=customer.slug, contract_reference=customer.contract_reference,
            contact_name=customer.notice_contact_name, contact_email=customer.notice_contact_email,
            contract_ends_on=customer.contract_ends_on, choice=customer.end_of_contract_choice, actor=request.user,
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("customers:detail", slug=customer.slug)
    messages.success(request, gettext("Offboarding of %(customer)s started.") % {"customer": customer.name})
    return redirect("retention:offboarding_detail", pk=offboarding.pk)
