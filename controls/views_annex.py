"""HTTP views of the TOM annex that belong to the controls app: the DPO's decisions on measures that need
attention, a customer's annex terms, the customers' answers to a new version and the token-only reply page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from controls import selectors, services_annex
from controls.annex_changes import describe
from controls.exports_annex import tom_annex_blockers
from controls.forms_annex import (
    AnnexRecordAnswerForm,
    AnnexReplyForm,
    AnnexTermsForm,
    JustifyForm,
    MoveToPlannedForm,
    WithdrawObjectionForm,
)
from controls.models import Control
from controls.models_annex import AnnexNotice, AttentionDecision
from controls.views import add_service_errors
from controls.views_reply import reply_by_link
from portal.accounts.mfa import require_recent_mfa

PUBLISH = "exports.publish_annexversion"


def _decisions_page(request, *, bound: dict | None = None, status: int = 200):
    """Every measure that blocks publishing, each with its two decisions; `bound` keeps a refused form."""
    bound = bound or {}
    blockers = tom_annex_blockers("")
    controls = {c.pk: c for c in Control.objects.filter(pk__in=[b["pk"] for b in blockers]).only("pk", "version")}
    rows = []
    for blocker in blockers:
        pk = blocker["pk"]
        rows.append({
            **blocker,
            "justify": bound.get(("justify", pk)) or JustifyForm(prefix=f"justify-{pk}"),
            "plan": bound.get(("plan", pk)) or MoveToPlannedForm(
                prefix=f"plan-{pk}", initial={"expected_version": controls[pk].version}),
        })
    recent = (AttentionDecision.objects.select_related("control", "decided_by")
              .order_by("-decided_at", "-pk")[:20])
    return render(request, "controls/annex/decisions.html", {"rows": rows, "recent": recent}, status=status)


@login_required
@permission_required(PUBLISH, raise_exception=True)
@require_GET
def annex_decisions(request):
    return _decisions_page(request)


def _decide(request, pk: int, *, kind: str, form_class, service, message: str):
    """One of a blocker's two decisions: the form of `kind` for control `pk`, handed to `service`."""
    control = get_object_or_404(selectors.controls_visible_to(request.user), pk=pk)
    form = form_class(request.POST, prefix=f"{kind}-{pk}")
    if form.is_valid():
        try:
            service(control=control, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, message % {"reference": control.reference})
            return redirect("controls:annex_decisions")
    return _decisions_page(request, bound={(kind, pk): form}, status=400)


@login_required
@permission_required(PUBLISH, raise_exception=True)
@require_POST
@require_recent_mfa
def annex_decide_justify(request, pk: int):
    return _decide(request, pk, kind="justify", form_class=JustifyForm,
                   service=services_annex.attention_decision_record,
                   message=_("%(reference)s will be stated as implemented; the reason is recorded."))


@login_required
@permission_required(PUBLISH, raise_exception=True)
@require_POST
@require_recent_mfa
def annex_decide_plan(request, pk: int):
    return _decide(request, pk, kind="plan", form_class=MoveToPlannedForm,
                   service=services_annex.attention_move_to_planned,
                   message=_("%(reference)s is planned; the annex lists it apart with its date."))


@login_required
@permission_required("controls.change_customer", raise_exception=True)
@require_http_methods(["GET", "POST"])
def customer_annex_terms(request, slug: str):
    customer = get_object_or_404(selectors.customers_visible_to(request.user), slug=slug)
    terms = services_annex.terms_of(customer)
    form = AnnexTermsForm(request.POST or None, instance=terms)
    if request.method == "POST" and form.is_valid():
        try:
            services_annex.annex_terms_update(customer=customer, actor=request.user,
                                              expected_version=form.cleaned_data.get("expected_version") or 0,
                                              **form.service_kwargs())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Annex terms of %(customer)s saved.") % {"customer": customer.name})
            return redirect("customers:detail", slug=customer.slug)
    return render(request, "controls/annex/terms_form.html", {"form": form, "customer": customer},
                  status=400 if request.method == "POST" else 200)


def _notice(request, slug: str, pk: int) -> AnnexNotice:
    customer = get_object_or_404(selectors.customers_visible_to(request.user), slug=slug)
    return get_object_or_404(AnnexNotice.objects.select_related("customer", "annex_version"), customer=customer,
                             pk=pk)


@login_required
@permission_required(PUBLISH, raise_exception=True)
@require_http_methods(["GET", "POST"])
def annex_notice_answer(request, slug: str, pk: int):
    """The DPO records the customer's answer that came by letter, email or phone; or its objection withdrawn."""
    notice = _notice(request, slug, pk)
    answer = AnnexRecordAnswerForm(request.POST if "response" in request.POST else None, notice=notice)
    withdraw = WithdrawObjectionForm(request.POST if "note" in request.POST and "response" not in request.POST
                                     else None, initial={"expected_version": notice.version})
    if request.method == "POST":
        form = answer if answer.is_bound else withdraw
        if form.is_valid():
            data = form.cleaned_data
            try:
                if form is answer:
                    services_annex.annex_record_response(notice=notice, actor=request.user, **data)
                else:
                    services_annex.annex_withdraw_objection(notice=notice, actor=request.user, **data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The answer of %(customer)s to version %(number)s is recorded.")
                                 % {"customer": notice.customer.name, "number": notice.number})
                return redirect("customers:detail", slug=slug)
    return render(request, "controls/annex/notice_answer.html", {
        "notice": notice, "state": notice.state(), "answer": answer, "withdraw": withdraw,
        "reductions": [describe(r) for r in notice.reductions],
    }, status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
def annex_reply(request, token: str):
    """The reply page behind the link in an annex version notice: no account, the secret link is the credential."""
    notice = (AnnexNotice.objects.select_related("customer", "annex_version")
              .filter(token_sha256=AnnexNotice.hash_token(token)).first())
    if notice is None:
        raise Http404(_("This reply link is not known."))
    return reply_by_link(request, token, notice=notice, form_class=AnnexReplyForm,
                         respond=services_annex.annex_respond_by_link, done="respond:annex",
                         template="controls/annex/reply.html",
                         context={"version": notice.annex_version, "state": notice.state(),
                                  "reductions": [describe(r) for r in notice.reductions]})
