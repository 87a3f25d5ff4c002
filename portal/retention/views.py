"""Retention pages: the policy register, the run preview and runs, legal holds, offboardings."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.accounts.mfa import require_recent_mfa
from portal.exports.models import AnnexVersion
from portal.retention import certificates, engine, selectors, services
from portal.retention.forms import HoldForm, PolicyForm, ReleaseForm, StepConfirmForm
from portal.retention.models import LegalHold, Offboarding, OffboardingStep, RetentionPolicy, RetentionRun
from portal.retention.offboarding import offboarding_complete, offboarding_confirm_step
from portal.retention.registry import get_holdable

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _errors_to_form(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
@permission_required("retention.view_retentionpolicy", raise_exception=True)
@require_GET
def policy_list(request):
    policies = list(selectors.policy_list())
    known = {policy.key for policy in policies}
    by_policy = selectors.targets_by_policy()
    return render(request, "retention/policy_list.html", {
        "policies": [(policy, by_policy.get(policy.key, [])) for policy in policies],
        "missing": sorted(key for key in by_policy if key not in known),
        "today": timezone.localdate(),
        "can_change": request.user.has_perm("retention.change_retentionpolicy"),
    })


@login_required
@permission_required("retention.view_retentionpolicy", raise_exception=True)
@require_GET
@require_recent_mfa
def policy_export(request):
    fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    policies = list(selectors.policy_list())
    services.policy_register_export(actor=request.user, fmt=fmt, count=len(policies))
    if fmt == "xlsx":
        response = HttpResponse(services.register_xlsx(policies), content_type=XLSX_TYPE)
    else:
        response = HttpResponse(services.register_csv(policies), content_type="text/csv; charset=utf-8")
    filename = f"annex-retention-policies-{timezone.localdate():%Y-%m-%d}.{fmt}"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@permission_required("retention.add_retentionpolicy", raise_exception=True)
@require_http_methods(["GET", "POST"])
def policy_create(request):
    form = PolicyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            policy = services.policy_create(actor=request.user, key=form.cleaned_data["key"], **form.service_kwargs())
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("Policy %(policy)s added.") % {"policy": policy})
            return redirect("retention:policy_list")
    return render(request, "retention/policy_form.html", {"form": form, "policy": None},
                  status=400 if form.errors else 200)


@login_required
@permission_required("retention.change_retentionpolicy", raise_exception=True)
@require_http_methods(["GET", "POST"])
def policy_edit(request, pk: int):
    policy = get_object_or_404(RetentionPolicy, pk=pk)
    form = PolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        try:
            services.policy_update(policy=policy, actor=request.user,
                                   expected_version=form.cleaned_data.get("expected_version") or 0,
                                   **form.service_kwargs())
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("Policy %(policy)s saved.") % {"policy": policy})
            return redirect("retention:policy_list")
    return render(request, "retention/policy_form.html", {"form": form, "policy": policy},
                  status=400 if form.errors else 200)


@login_required
@permission_required("retention.change_retentionpolicy", raise_exception=True)
@require_POST
def policy_review(request, pk: int):
    policy = get_object_or_404(RetentionPolicy, pk=pk)
    policy = services.policy_record_review(policy=policy, actor=request.user)
    messages.success(request, _("Review recorded; the next one is due on %(date)s.") % {
        "date": policy.next_review_due.isoformat()})
    return redirect("retention:policy_list")


@login_required
@permission_required("retention.add_retentionpolicy", raise_exception=True)
@require_POST
def policies_add_defaults(request):
    created = services.policies_add_defaults(actor=request.user)
    messages.success(request, ngettext("%(count)s policy added with its suggested period; review it.",
                                       "%(count)s policies added with their suggested periods; review them.",
                                       len(created)) % {"count": len(created)})
    return redirect("retention:policy_list")


@never_cache
@login_required
@permission_required("retention.run_retention", raise_exception=True)
@require_GET
def run_preview(request):
    """What a run would delete or anonymise now, per policy; and the last runs."""
    rows = engine.preview()
    return render(request, "retention/run_preview.html", {
        "groups": engine.preview_by_policy(rows),
        "total": sum(row.to_handle for row in rows if row.action != "review"),
        "runs": selectors.recent_runs(),
    })


@login_required
@permission_required("retention.run_retention", raise_exception=True)
@require_POST
@require_recent_mfa
def run_start(request):
    try:
        with transaction.atomic():
            run = engine.retention_run_start(trigger=RetentionRun.Trigger.BROWSER, actor=request.user)
            from portal.retention.tasks import retention_run_task

            transaction.on_commit(lambda: retention_run_task.delay(run.pk))
    except engine.RetentionBusy as exc:
        messages.error(request, str(exc))
        return redirect("retention:run_preview")
    return redirect("retention:run_detail", pk=run.pk)


def _certificate(sha256: str) -> AnnexVersion | None:
    return AnnexVersion.objects.filter(snapshot_sha256=sha256).first() if sha256 else None


@never_cache
@login_required
@permission_required("retention.view_retentionrun", raise_exception=True)
@require_GET
def run_detail(request, pk: int):
    run = get_object_or_404(RetentionRun.objects.select_related("started_by"), pk=pk)
    return render(request, "retention/run_detail.html", {
        "run": run, "rows": sorted(run.counts.items()), "certificate": _certificate(run.certificate_sha256),
        "refresh": run.status == RetentionRun.Status.RUNNING,
    })


@login_required
@permission_required("retention.run_retention", raise_exception=True)
@require_POST
@require_recent_mfa
def run_certify(request, pk: int):
    run = get_object_or_404(RetentionRun, pk=pk)
    try:
        certificates.run_certify(run_id=run.pk, actor=request.user)
    except certificates.CertificateError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Deletion certificate issued."))
    return redirect("retention:run_detail", pk=run.pk)


def _hold_page(request, form, status=200):
    return render(request, "retention/hold_list.html", {
        "holds": selectors.active_holds_list(), "released": selectors.released_holds_list(),
        "form": form, "can_set": request.user.has_perm("retention.set_legal_hold"),
    }, status=status)


@login_required
@permission_required("retention.view_legalhold", raise_exception=True)
@require_GET
def hold_list(request):
    return _hold_page(request, HoldForm())


@login_required
@permission_required("retention.set_legal_hold", raise_exception=True)
@require_POST
def hold_set(request):
    form = HoldForm(request.POST)
    if form.is_valid():
        holdable = get_holdable(form.cleaned_data["kind"])
        obj = holdable.queryset().filter(**{holdable.lookup: form.cleaned_data["identifier"].strip()}).first()
        if obj is None:
            form.add_error("identifier", _("No %(kind)s matches this.") % {"kind": str(holdable.label).lower()})
        else:
            try:
                services.legal_hold_set(obj=obj, reason=form.cleaned_data["reason"], actor=request.user)
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
                messages.success(request, _("Legal hold set on %(record)s.") % {"record": obj})
                return redirect("retention:hold_list")
    return _hold_page(request, form, status=400)


@login_required
@permission_required("retention.set_legal_hold", raise_exception=True)
@require_POST
def hold_release(request, pk: int):
    hold = get_object_or_404(LegalHold.objects.filter(released_at__isnull=True), pk=pk)
    form = ReleaseForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Say why the hold is no longer needed."))
        services.legal_hold_release(hold=hold, reason=form.cleaned_data["reason"], actor=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Legal hold on %(record)s released.") % {"record": hold.object_label})
    return redirect("retention:hold_list")


@login_required
@permission_required("retention.view_offboarding", raise_exception=True)
@require_GET
def offboarding_list(request):
    return render(request, "retention/offboarding_list.html", {"offboardings": selectors.offboarding_list()})


def _offboarding_page(request, offboarding, *, form=None, form_step=None, status=200):
    return render(request, "retention/offboarding_detail.html", {
        "offboarding": offboarding,
        "steps": offboarding.steps.select_related("confirmed_by").order_by("position"),
        "certificate": _certificate(offboarding.certificate_sha256),
        "can_change": request.user.has_perm("retention.change_offboarding") and not offboarding.is_done,
        "form": form, "form_step": form_step,
    }, status=status)


@never_cache
@login_required
@permission_required("retention.view_offboarding", raise_exception=True)
@require_GET
def offboarding_detail(request, pk: int):
    return _offboarding_page(request, get_object_or_404(Offboarding, pk=pk))


@login_required
@permission_required("retention.change_offboarding", raise_exception=True)
@require_POST
def offboarding_step_confirm(request, pk: int, step: int):
    offboarding = get_object_or_404(Offboarding, pk=pk)
    step_obj = get_object_or_404(OffboardingStep, offboarding=offboarding, pk=step)
    form = StepConfirmForm(request.POST)
    if form.is_valid():
        try:
            offboarding_confirm_step(step=step_obj, evidence=form.cleaned_data["evidence"], actor=request.user)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("Step confirmed: %(system)s.") % {"system": step_obj.system})
            return redirect("retention:offboarding_detail", pk=offboarding.pk)
    return _offboarding_page(request, offboarding, form=form, form_step=step_obj.pk, status=400)


@login_required
@permission_required("retention.change_offboarding", raise_exception=True)
@require_POST
@require_recent_mfa
def offboarding_finish(request, pk: int):
    offboarding = get_object_or_404(Offboarding, pk=pk)
    try:
        offboarding_complete(offboarding=offboarding, actor=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Offboarding completed; the certificate is sent to %(contact)s.") % {
            "contact": offboarding.contact_email or offboarding.subject_label})
    return redirect("retention:offboarding_detail", pk=offboarding.pk)
