"""HTTP views of incident cases: the board, intake, the case page and its edits.

Every case is loaded through selectors.incidents_visible_to: a case the user may not see is a 404; an
action the user's role does not allow is a 403. A refused form is shown again with what was typed (400).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from incidents import drafts, forms, selectors, services
from incidents.clock_text import live_clock
from incidents.models import NoticeRecord, Phase, Recipient, Severity
from portal.core.links import cached_reverser
from portal.core.templatetags.catalogue import catalogue

VIEW = "incidents.view_incident"
# The most urgent cases first, 25 at a time: each row carries every clock of its case (two to five), so a page of
# 50 cases was 100-250 clocks, more than a responder reads at once, and twice the page's cost.
BOARD_PER_PAGE = 25
WORK = "incidents.work_incident"


def add_service_errors(form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the field it names, else above the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _case(request, pk: int):
    return get_object_or_404(selectors.incidents_visible_to(request.user), pk=pk)


def _workable_case(request, pk: int):
    incident = _case(request, pk)
    if not services.can_work(request.user, incident):
        raise PermissionDenied(_("You may not work on this case."))
    return incident


def _page_context(request, page, **bound) -> dict:
    incident = page.incident
    user = request.user
    can_work = services.can_work(user, incident)
    context = {
        "incident": incident, "page": page, "now": timezone.now(), "can_work": can_work,
        "can_decide": services.can_decide(user), "is_open": incident.is_open,
        "close_blockers": services.close_blockers(incident) if incident.is_open else [],
        "aware_form": forms.AwareAtForm(initial={
            "aware_at": timezone.localtime(incident.aware_at).strftime(forms.DATETIME_FORMAT),
            "expected_version": incident.version}),
        "phase_form": forms.PhaseForm(initial={"phase": incident.phase, "expected_version": incident.version}),
        "assign_form": forms.AssignForm(queryset=services.assignable_users().exclude(pk__in=incident.assignee_ids)),
        "timeline_form": forms.TimelineForm(),
        "task_form": forms.TaskForm(owners=services.assignable_users()),
        "evidence_form": forms.EvidenceForm(),
        "not_required_form": forms.NotRequiredForm(),
        "decision_form": _decision_form(page.assessment),
    }
    context.update(bound)
    return context


def _decision_form(assessment):
    if assessment is None:
        return None
    initial = {
        "notify_authority": "yes" if (assessment.decision_notify_authority if assessment.is_decided
                                      else assessment.recommend_notify_authority) else "no",
        "communicate_subjects": "yes" if (assessment.decision_communicate_subjects if assessment.is_decided
                                          else assessment.recommend_communicate_subjects) else "no",
        "art34_exemption": assessment.art34_exemption, "justification": assessment.override_justification,
    }
    return forms.DecisionForm(initial=initial)


def _render_case(request, pk: int, *, status: int = 200, **bound):
    page = selectors.case_page(request.user, pk)
    return render(request, "incidents/incident_detail.html", _page_context(request, page, **bound), status=status)


@login_required
@permission_required(VIEW, raise_exception=True)
@require_GET
def board(request):
    """The responders' board: open cases, the most urgent clock first; htmx refreshes the clocks."""
    show = request.GET.get("show", "open")
    if show not in ("open", "closed", "all"):
        show = "open"
    # A page of cases at a time, the most urgent first: the board costs the same however many cases there are.
    page = Paginator(selectors.board(request.user, show=show), BOARD_PER_PAGE).get_page(request.GET.get("page"))
    now = timezone.now()
    context = {"rows": _board_rows(list(page.object_list), now), "show": show, "now": now, "page": page,
               "can_add": request.user.has_perm("incidents.add_incident")}
    template = "incidents/partials/_board.html" if request.htmx else "incidents/incident_board.html"
    return render(request, template, context)


def _board_rows(cases: list, now) -> list[dict]:
    """Each case with its link, its phase and severity in the reader's language, and its clocks.

    Built here rather than in the template: `get_phase_display()` translates every label of the choices on each
    call, and a `{% clock %}` tag per obligation costs a template node more; for 50 cases the row template took
    twice as long.
    """
    obligations = selectors.board_obligations(cases)
    case_url = cached_reverser("incidents:detail")
    phases = {value: str(label) for value, label in Phase.choices}  # each label translated once per page
    severities = {value: str(label) for value, label in Severity.choices}
    return [{
        "incident": case, "url": case_url(case.pk), "phase": phases[case.phase], "severity": severities[case.severity],
        "clocks": [{**live_clock(o, now), "recipient": catalogue(o.recipient_label)}
                   for o in obligations[case.pk]],
    } for case in cases]


@login_required
@permission_required("incidents.add_incident", raise_exception=True)
@require_http_methods(["GET", "POST"])
def incident_create(request):
    form = forms.IntakeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            incident = services.incident_open(
                actor=request.user, title=data["title"], description=data["description"],
                detected_at=data["detected_at"], aware_at=data["aware_at"], reported_by=data["reported_by"],
                affected_systems=data["affected_systems"], customers=data["customers"], severity=data["severity"],
                controller_data=data["controller_data"], is_exercise=data["is_exercise"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(ref)s opened in triage. Its clocks are running.") % {
                "ref": incident.reference})
            return redirect("incidents:detail", pk=incident.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "incidents/incident_form.html", {"form": form}, status=status)


@login_required
@permission_required(VIEW, raise_exception=True)
@require_GET
def incident_detail(request, pk: int):
    if request.htmx and request.GET.get("part") == "clocks":
        page = selectors.case_page(request.user, pk)
        return render(request, "incidents/partials/_obligations.html", _page_context(request, page))
    return _render_case(request, pk)


@login_required
@permission_required(WORK, raise_exception=True)
@require_http_methods(["GET", "POST"])
def incident_edit(request, pk: int):
    incident = _workable_case(request, pk)
    form = forms.IncidentForm(request.POST or None, instance=incident)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        try:
            services.incident_update(incident=incident, actor=request.user,
                                     expected_version=form.cleaned_data["expected_version"], **changes)
        except services.StaleVersionError as exc:
            form.add_error(None, exc.messages)
            return render(request, "incidents/incident_edit.html", {"form": form, "incident": incident,
                                                                    "conflict": True}, status=409)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Case saved."))
            return redirect("incidents:detail", pk=incident.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "incidents/incident_edit.html", {"form": form, "incident": incident}, status=status)


def _post_form(request, pk, form, action, success: str, form_key: str):
    """Validate `form`, call `action(cleaned_data)`; on refusal show the case again with the form as typed."""
    status = 400
    if form.is_valid():
        try:
            action(form.cleaned_data)
        except ValidationError as exc:
            # A stale version is told by its type, not by its (translated) message.
            status = 409 if isinstance(exc, services.StaleVersionError) else 400
            add_service_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect("incidents:detail", pk=pk)
    return _render_case(request, pk, status=status, **{form_key: form})


@login_required
@permission_required(WORK, raise_exception=True)
@require_POST
def incident_aware_at(request, pk: int):
    incident = _workable_case(request, pk)
    form = forms.AwareAtForm(request.POST)
    return _post_form(request, pk, form, lambda d: services.incident_change_aware_at(
        incident=incident, actor=request.user, aware_at=d["aware_at"], reason=d["reason"],
        expected_version=d["expected_version"]), _("Awareness time changed; open clocks follow it."), "aware_form")


@login_required
@permission_required(WORK, raise_exception=True)
@require_POST
def incident_phase(request, pk: int):
    incident = _workable_case(request, pk)
    form = forms.PhaseForm(request.POST)
    return _post_form(request, pk, form, lambda d: services.incident_set_phase(
        incident=incident, actor=request.user, phase=d["phase"], reason=d["reason"],
        expected_version=d["expected_version"]), _("Phase changed."), "phase_form")


@login_required
@permission_required(WORK, raise_exception=True)
@require_POST
def incident_assign(request, pk: int):
    incident = _workable_case(request, pk)
    form = forms.AssignForm(request.POST, queryset=services.assignable_users())
    return _post_form(request, pk, form, lambda d: services.incident_assign(
        incident=incident, actor=request.user, user=d["user"]), _("Assignee added."), "assign_form")


@login_required
@permission_required(WORK, raise_exception=True)
@require_POST
def incident_unassign(request, pk: int, user_pk: int):
    incident = _workable_case(request, pk)
    user = get_object_or_404(incident.assignees.all(), pk=user_pk)
    try:
        services.incident_unassign(incident=incident, actor=request.user, user=user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(name)s no longer assigned.") % {"name": user})
    if not selectors.incidents_visible_to(request.user).filter(pk=pk).exists():
        return redirect("incidents:board")
    return redirect("incidents:detail", pk=pk)


@login_required
@permission_required(VIEW, raise_exception=True)
@require_http_methods(["GET", "POST"])
def incident_timeline(request, pk: int):
    """GET: the timeline alone (htmx); POST: append an entry."""
    incident = _case(request, pk)
    if request.method == "GET":
        page = selectors.case_page(request.user, pk)
        return render(request, "incidents/partials/_timeline.html", _page_context(request, page))
    if not request.user.has_perm(WORK) or not services.can_work(request.user, incident):
        raise PermissionDenied(_("You may not work on this case."))
    form = forms.TimelineForm(request.POST)

    def add(data):
        corrects = None
        if data.get("corrects"):
            corrects = get_object_or_404(incident.timeline.all(), pk=data["corrects"])
        services.timeline_add(incident=incident, actor=request.user, text=data["text"],
                              happened_at=data["happened_at"], corrects=corrects)

    return _post_form(request, pk, form, add, _("Added to the timeline."), "timeline_form")


@login_required
@permission_required(WORK, raise_exception=True)
@require_POST
def task_add(request, pk: int):
    incident = _workable_case(request, pk)
    form = forms.TaskForm(request.POST, owners=services.assignable_users())
    return _post_form(request, pk, form, lambda d: services.task_add(
        incident=incident, actor=request.user, title=d["title"], owner=d["owner"], due_on=d["due_on"],
        control=d["control"]), _("Task added."), "task_form")


@login_required
@permission_required(WORK, raise_exception=True)
@require_POST
def task_done(request, pk: int):
    task = get_object_or_404(selectors.tasks_visible_to(request.user), pk=pk)
    if not services.can_work(request.user, task.incident):
        raise PermissionDenied(_("You may not work on this case."))
    try:
        services.task_complete(task=task, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Task done."))
    return redirect("incidents:detail", pk=task.incident_id)


@login_required
@permission_required(WORK, raise_exception=True)
@require_POST
def evidence_add(request, pk: int):
    incident = _workable_case(request, pk)
    form = forms.EvidenceForm(request.POST, request.FILES)

    def add(data):
        upload = data["file"]
        services.evidence_add(incident=incident, actor=request.user, title=data["title"], upload=upload,
                              filename=upload.name, content_type=upload.content_type or "")

    return _post_form(request, pk, form, add, _("File stored, encrypted."), "evidence_form")


@login_required
@permission_required(VIEW, raise_exception=True)
@require_GET
def evidence_download(request, pk: int):
    from django.http import StreamingHttpResponse
    from django.utils.http import content_disposition_header

    evidence = get_object_or_404(selectors.evidence_visible_to(request.user), pk=pk)
    chunks = services.evidence_open_for_download(evidence=evidence, actor=request.user)
    response = StreamingHttpResponse(chunks, content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True,
                                                                 filename=evidence.original_filename)
    response["Content-Length"] = str(evidence.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@permission_required("incidents.decide_incident", raise_exception=True)
@require_POST
def obligation_not_required(request, pk: int):
    obligation = get_object_or_404(selectors.obligations_visible_to(request.user), pk=pk)
    form = forms.NotRequiredForm(request.POST)
    return _post_form(request, obligation.incident_id, form, lambda d: services.obligation_mark_not_required(
        obligation=obligation, actor=request.user, rationale=d["rationale"]),
        _("Marked not required, with the DPO's rationale."), "not_required_form")


@login_required
@permission_required(WORK, raise_exception=True)
@require_http_methods(["GET", "POST"])
def incident_assess(request, pk: int):
    """The ENISA severity form; the result and recommendation show on the case page."""
    incident = _workable_case(request, pk)
    existing = getattr(incident, "assessment", None)
    form = forms.AssessmentForm(request.POST or None, initial=existing.inputs if existing else {
        "subjects": incident.approx_subjects or 0, "context_adjustment": 0})
    if request.method == "POST" and form.is_valid():
        try:
            services.assessment_record(incident=incident, actor=request.user, inputs=dict(form.cleaned_data))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Assessment recorded. The DPO decides on notification."))
            return redirect("incidents:detail", pk=pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "incidents/assessment_form.html", {"form": form, "incident": incident}, status=status)


@login_required
@permission_required("incidents.decide_incident", raise_exception=True)
@require_POST
def incident_decide(request, pk: int):
    incident = _case(request, pk)
    form = forms.DecisionForm(request.POST)
    return _post_form(request, pk, form, lambda d: services.assessment_decide(
        incident=incident, actor=request.user, notify_authority=d["notify_authority"],
        communicate_subjects=d["communicate_subjects"], art34_exemption=d["art34_exemption"] or "",
        justification=d["justification"]), _("Decision recorded."), "decision_form")


def _draft_for(incident, obligation) -> str:
    if obligation is not None and obligation.recipient == Recipient.AUTHORITY:
        return drafts.as_text(drafts.art33_notification(incident))
    return drafts.as_text(drafts.controller_notice(incident))


@login_required
@permission_required(WORK, raise_exception=True)
@require_http_methods(["GET", "POST"])
def notice_create(request, pk: int):
    """Record a notice sent; the form starts from the draft of the chosen obligation."""
    incident = _workable_case(request, pk)
    obligation = None
    if request.GET.get("obligation", "").isdigit():
        obligation = incident.obligations.filter(pk=int(request.GET["obligation"])).first()
    initial = {"content": _draft_for(incident, obligation), "stage": NoticeRecord.Stage.INITIAL,
               "channel": NoticeRecord.Channel.EMAIL_MANUAL}
    if obligation is not None:
        initial["obligation"] = obligation.pk
        if obligation.filed_at is not None:
            initial["stage"] = NoticeRecord.Stage.FOLLOW_UP
    form = forms.NoticeForm(request.POST or None, incident=incident, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.notice_record(
                incident=incident, actor=request.user, obligation=data["obligation"], customer=data["customer"],
                recipient=data["recipient"], channel=data["channel"], stage=data["stage"], content=data["content"],
                sent_at=data["sent_at"], attachments=data["attachments"].splitlines(),
                delay_reasons=data["delay_reasons"], art34_exemption=data["art34_exemption"] or "",
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Notice recorded."))
            return redirect("incidents:detail", pk=pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "incidents/notice_form.html",
                  {"form": form, "incident": incident, "obligation": obligation}, status=status)


@login_required
@permission_required(WORK, raise_exception=True)
@require_http_methods(["GET", "POST"])
def incident_close(request, pk: int):
    incident = _workable_case(request, pk)
    form = forms.CloseForm(request.POST or None)
    blockers = services.close_blockers(incident)
    if request.method == "POST" and form.is_valid():
        try:
            services.incident_close(incident=incident, actor=request.user, follow_ups=form.follow_ups(),
                                    what_happened=form.cleaned_data["what_happened"],
                                    root_cause=form.cleaned_data["root_cause"],
                                    lessons=form.cleaned_data["lessons"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Case closed."))
            return redirect("incidents:detail", pk=pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "incidents/incident_close.html",
                  {"form": form, "incident": incident, "blockers": blockers,
                   "is_closable_phase": incident.phase not in (Phase.CLOSED, Phase.NOT_A_BREACH)}, status=status)
