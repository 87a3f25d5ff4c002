"""HTTP views of the records of processing (Art. 30(2)): the processor's details and the categories per service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from controls import selectors, services_records
from controls import selectors_subprocessors as sp_selectors
from controls.forms_subprocessors import ProcessingCategoryForm, ProcessorDetailsForm
from controls.models import Service
from controls.views import add_service_errors


def _records_page(request, *, category_form=None, status=200):
    can_change = request.user.has_perm("controls.change_processingcategory")
    categories = list(sp_selectors.processing_categories())
    services = [{"service": s, "categories": [c for c in categories if c.service_id == s.pk]}
                for s in Service.objects.order_by("name")]
    return render(request, "controls/subprocessors/records.html", {
        "details": sp_selectors.processor_details(),
        "services": services,
        "customers": selectors.customers_visible_to(request.user).filter(is_active=True).only("slug", "name"),
        "can_change": can_change,
        "category_form": category_form or (ProcessingCategoryForm() if can_change else None),
    }, status=status)


@login_required
@permission_required("controls.view_processingcategory", raise_exception=True)
@require_GET
def records(request):
    return _records_page(request)


@login_required
@permission_required("controls.change_processingcategory", raise_exception=True)
@require_http_methods(["GET", "POST"])
def processor_details_edit(request):
    details = sp_selectors.processor_details()
    form = ProcessorDetailsForm(request.POST or None, instance=details)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "expected_version"}
        try:
            services_records.processor_details_update(
                actor=request.user, expected_version=form.cleaned_data["expected_version"] or 0, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Processor details saved."))
            return redirect("subprocessors:records")
    return render(request, "controls/subprocessors/processor_form.html", {"form": form})


@login_required
@permission_required("controls.change_processingcategory", raise_exception=True)
@require_POST
def category_add(request):
    form = ProcessingCategoryForm(request.POST)
    if form.is_valid():
        try:
            services_records.processing_category_add(
                actor=request.user, **{k: v for k, v in form.cleaned_data.items() if k != "expected_version"})
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Category of processing recorded."))
            return redirect("subprocessors:records")
    return _records_page(request, category_form=form, status=400)


@login_required
@permission_required("controls.change_processingcategory", raise_exception=True)
@require_http_methods(["GET", "POST"])
def category_edit(request, pk: int):
    category = get_object_or_404(sp_selectors.processing_categories(), pk=pk)
    form = ProcessingCategoryForm(request.POST or None, instance=category)
    if request.method == "POST" and form.is_valid():
        try:
            data = {k: v for k, v in form.cleaned_data.items() if k != "expected_version"}
            services_records.processing_category_update(
                category=category, actor=request.user, expected_version=form.cleaned_data["expected_version"] or 0,
                **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Category of processing saved."))
            return redirect("subprocessors:records")
    return render(request, "controls/subprocessors/category_form.html", {"form": form, "category": category})


@login_required
@permission_required("controls.change_processingcategory", raise_exception=True)
@require_POST
def category_remove(request, pk: int):
    category = get_object_or_404(sp_selectors.processing_categories(), pk=pk)
    services_records.processing_category_remove(category=category, actor=request.user)
    messages.success(request, _("Category of processing removed."))
    return redirect("subprocessors:records")
