"""HTTP views of the sub-processor register, its changes and each customer's sub-processor list."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from controls import selectors
from controls import selectors_subprocessors as sp_selectors
from controls import services_subprocessors as sp_services
from controls.forms_subprocessors import (
    AssessmentForm,
    ChangeForm,
    ResolveForm,
    ResponseForm,
    SubProcessorForm,
    TermsForm,
    WithdrawForm,
)
from controls.models_subprocessors import ChangeNotice, NoticeState, SubProcessorChange, SubProcessorTerms
from controls.views import add_service_errors


@login_required
@permission_required("controls.view_subprocessor", raise_exception=True)
@require_GET
def subprocessor_list(request):
    return render(request, "controls/subprocessors/subprocessor_list.html", {
        "subprocessors": sp_selectors.subprocessor_list(request.user),
        "changes": sp_selectors.open_changes(request.user),
        "today": timezone.localdate(),
        "can_add": request.user.has_perm("controls.add_subprocessor"),
    })


@login_required
@permission_required("controls.add_subprocessor", raise_exception=True)
@require_http_methods(["GET", "POST"])
def subprocessor_create(request):
    form = SubProcessorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            subprocessor = sp_services.subprocessor_create(
                actor=request.user, performed_controls=form.cleaned_data["performed_controls"],
                **form.service_kwargs(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(name)s added to the register. Announce its use to the customers next.")
                             % {"name": subprocessor.legal_name})
            return redirect("subprocessors:detail", slug=subprocessor.slug)
    return render(request, "controls/subprocessors/subprocessor_form.html", {"form": form, "subprocessor": None})


def _detail_page(request, subprocessor, *, assessment_form=None, change_form=None, status=200):
    can_change = request.user.has_perm("controls.change_subprocessor")
    can_announce = request.user.has_perm("controls.manage_subprocessor_change")
    return render(request, "controls/subprocessors/subprocessor_detail.html", {
        "subprocessor": subprocessor,
        "changes": sp_selectors.changes_visible_to(request.user).filter(subprocessor=subprocessor)
        .prefetch_related("services"),
        "today": timezone.localdate(),
        "can_change": can_change,
        "can_announce": can_announce,
        "assessment_form": assessment_form or (AssessmentForm() if can_change else None),
        "change_form": change_form or (ChangeForm(subprocessor=subprocessor) if can_announce else None),
    }, status=status)


@login_required
@permission_required("controls.view_subprocessor", raise_exception=True)
@require_GET
def subprocessor_detail(request, slug: str):
    return _detail_page(request, sp_selectors.subprocessor_detail(request.user, slug))


@login_required
@permission_required("controls.change_subprocessor", raise_exception=True)
@require_http_methods(["GET", "POST"])
def subprocessor_edit(request, slug: str):
    subprocessor = sp_selectors.subprocessor_detail(request.user, slug)
    form = SubProcessorForm(request.POST or None, instance=subprocessor)
    if request.method == "POST" and form.is_valid():
        try:
            subprocessor = sp_services.subprocessor_update(
                subprocessor=subprocessor, actor=request.user,
                expected_version=form.cleaned_data.get("expected_version") or 0, **form.service_kwargs(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(name)s saved.") % {"name": subprocessor.legal_name})
            return redirect("subprocessors:detail", slug=subprocessor.slug)
    return render(request, "controls/subprocessors/subprocessor_form.html",
                  {"form": form, "subprocessor": subprocessor})


@login_required
@permission_required("controls.change_subprocessor", raise_exception=True)
@require_POST
def subprocessor_assess(request, slug: str):
    subprocessor = sp_selectors.subprocessor_detail(request.user, slug)
    form = AssessmentForm(request.POST)
    if form.is_valid():
        try:
            sp_services.subprocessor_record_assessment(subprocessor=subprocessor, actor=request.user,
                                                       **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Assessment recorded."))
            return redirect("subprocessors:detail", slug=subprocessor.slug)
    return _detail_page(request, subprocessor, assessment_form=form, status=400)


@login_required
@permission_required("controls.manage_subprocessor_change", raise_exception=True)
@require_POST
def change_create(request, slug: str):
    subprocessor = sp_selectors.subprocessor_detail(request.user, slug)
    form = ChangeForm(request.POST, subprocessor=subprocessor)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["kind"] == ChangeForm.KIND_EXISTING:
                sp_services.subprocessor_record_existing_use(
                    actor=request.user, subprocessor=subprocessor, services=data["services"], reason=data["reason"])
            else:
                change = sp_services.subprocessor_change_open(
                    actor=request.user, subprocessor=subprocessor, kind=data["kind"], services=data["services"],
                    reason=data["reason"], planned_from=data["planned_from"], replaces=data["replaces"],
                )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if data["kind"] == ChangeForm.KIND_EXISTING:
                messages.success(request, _("Existing use recorded."))
                return redirect("subprocessors:detail", slug=subprocessor.slug)
            count = change.notices.count()
            messages.success(request, ngettext("Change announced: the notice goes to %(count)s customer contact.",
                                               "Change announced: notices go to %(count)s customer contacts.",
                                               count) % {"count": count})
            return redirect("subprocessors:change_detail", pk=change.pk)
    return _detail_page(request, subprocessor, change_form=form, status=400)


def _change_page(request, change, *, forms=None, status=200):
    today = timezone.localdate()
    can_manage = request.user.has_perm("controls.manage_subprocessor_change")
    rows = []
    for notice in change.notices.all():
        notice.change = change
        row_forms = (forms or {}).get(notice.pk, {})
        rows.append({
            "notice": notice, "state": notice.state(today), "state_label": NoticeState(notice.state(today)).label,
            "response_form": row_forms.get("response") or (ResponseForm(
                initial={"expected_version": notice.version}, prefix=f"n{notice.pk}") if can_manage else None),
            "resolve_form": row_forms.get("resolve") or (ResolveForm(
                initial={"expected_version": notice.version}, prefix=f"r{notice.pk}") if can_manage else None),
        })
    return render(request, "controls/subprocessors/change_detail.html", {
        "change": change, "rows": rows, "can_manage": can_manage, "today": today,
        "withdraw_form": WithdrawForm() if can_manage and change.status == SubProcessorChange.Status.ANNOUNCED
        else None,
    }, status=status)


@login_required
@permission_required("controls.view_subprocessor", raise_exception=True)
@require_GET
def change_detail(request, pk: int):
    return _change_page(request, sp_selectors.change_detail(request.user, pk))


@login_required
@permission_required("controls.manage_subprocessor_change", raise_exception=True)
@require_POST
def change_withdraw(request, pk: int):
    change = sp_selectors.change_detail(request.user, pk)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        sp_services.subprocessor_change_withdraw(change=change, actor=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("Change withdrawn."))
    else:
        messages.error(request, _("Say why the change is withdrawn."))
    return redirect("subprocessors:change_detail", pk=change.pk)


def _notice(request, pk: int, notice_pk: int) -> tuple[SubProcessorChange, ChangeNotice]:
    change = sp_selectors.change_detail(request.user, pk)
    return change, get_object_or_404(change.notices.select_related("customer"), pk=notice_pk)


@login_required
@permission_required("controls.manage_subprocessor_change", raise_exception=True)
@require_POST
def notice_respond(request, pk: int, notice_pk: int):
    change, notice = _notice(request, pk, notice_pk)
    form = ResponseForm(request.POST, prefix=f"n{notice.pk}")
    if form.is_valid():
        try:
            sp_services.notice_record_response(notice=notice, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Answer of %(customer)s recorded.") % {"customer": notice.customer.name})
            return redirect("subprocessors:change_detail", pk=change.pk)
    return _change_page(request, change, forms={notice.pk: {"response": form}}, status=400)


@login_required
@permission_required("controls.manage_subprocessor_change", raise_exception=True)
@require_POST
def notice_resolve(request, pk: int, notice_pk: int):
    change, notice = _notice(request, pk, notice_pk)
    form = ResolveForm(request.POST, prefix=f"r{notice.pk}")
    if form.is_valid():
        try:
            sp_services.notice_resolve_objection(notice=notice, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Objection of %(customer)s resolved.") % {"customer": notice.customer.name})
            return redirect("subprocessors:change_detail", pk=change.pk)
    return _change_page(request, change, forms={notice.pk: {"resolve": form}}, status=400)


def _customer_page(request, customer, *, terms_form=None, status=200):
    terms = sp_selectors.terms_for([customer])[customer.pk]
    can_change = request.user.has_perm("controls.change_customer")
    return render(request, "controls/subprocessors/customer_subprocessors.html", {
        "customer": customer,
        "entries": sp_selectors.customer_subprocessors(customer),
        "terms": terms,
        "terms_form": terms_form or (TermsForm(instance=terms) if can_change else None),
    }, status=status)


@login_required
@permission_required("controls.view_subprocessor", raise_exception=True)
@require_GET
def customer_subprocessors(request, slug: str):
    customer = get_object_or_404(selectors.customers_visible_to(request.user), slug=slug)
    return _customer_page(request, customer)


@login_required
@permission_required("controls.change_customer", raise_exception=True)
@require_POST
def customer_terms_edit(request, slug: str):
    customer = get_object_or_404(selectors.customers_visible_to(request.user), slug=slug)
    form = TermsForm(request.POST, instance=SubProcessorTerms(customer=customer))
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "expected_version"}
        try:
            sp_services.subprocessor_terms_update(
                customer=customer, actor=request.user, expected_version=form.cleaned_data["expected_version"] or 0,
                **data,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Terms of %(customer)s saved.") % {"customer": customer.name})
            return redirect("subprocessors:customer", slug=customer.slug)
    return _customer_page(request, customer, terms_form=form, status=400)
