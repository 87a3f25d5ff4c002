"""What the DPO and administrators use: course authoring, the employee directory and its import, the report."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.accounts.mfa import require_recent_mfa
from portal.core.caching import cache_fresh
from portal.core.charts import bar_chart
from portal.core.dashboard import POSTURE_CACHE_SECONDS
from portal.core.links import cached_reverser
from portal.core.pagination import window
from training import selectors, services
from training.exports import REPORT_PDF, REPORT_XLSX
from training.forms import (
    AudienceForm,
    CourseForm,
    DirectoryImportForm,
    ExemptForm,
    PageForm,
    QuestionForm,
    encode_preview,
)
from training.models import Assignment, Course
from training.services_directory import COLUMNS, REQUIRED, directory_import

OVERDUE_PER_PAGE = 50


def _service_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# Courses -----------------------------------------------------------------------------------------------------


@login_required
@permission_required("training.change_course", raise_exception=True)
@require_GET
def course_list(request):
    return render(request, "training/course_list.html", {"courses": selectors.courses_for_authors()})


@login_required
@permission_required("training.add_course", raise_exception=True)
@require_http_methods(["GET", "POST"])
def course_create(request):
    form = CourseForm(request.POST or None)
    for name in ("new_version", "require_retake"):
        del form.fields[name]
    if request.method == "POST" and form.is_valid():
        try:
            course = services.course_create(actor=request.user, data=form.course_data())
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, _("Course created. Add its pages, quiz and audience, then publish it."))
            return redirect("training:course_edit", pk=course.pk)
    return render(request, "training/course_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@permission_required("training.change_course", raise_exception=True)
@require_http_methods(["GET", "POST"])
def course_edit(request, pk: int):
    course = get_object_or_404(Course, pk=pk)
    form = CourseForm(request.POST or None, instance=course, initial={"revision": course.revision})
    if request.method == "POST" and form.is_valid():
        try:
            services.course_update(actor=request.user, course=course, data=form.course_data(),
                                   expected_revision=form.cleaned_data["revision"] or 0,
                                   new_version=form.cleaned_data["new_version"],
                                   require_retake=form.cleaned_data["require_retake"])
        except ValidationError as exc:
            _service_errors(form, exc)
        except services.TrainingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Course saved."))
            return redirect("training:course_edit", pk=course.pk)
    return render(request, "training/course_form.html", {
        "form": form, "course": course, "pages": course.pages.all(),
        "questions": course.questions.prefetch_related("choices"),
        "audience": course.audience.select_related("department"),
    }, status=400 if form.errors else 200)


@login_required
@permission_required("training.change_course", raise_exception=True)
@require_http_methods(["GET", "POST"])
def page_edit(request, pk: int, page_pk: int | None = None):
    course = get_object_or_404(Course, pk=pk)
    page = get_object_or_404(course.pages, pk=page_pk) if page_pk else None
    form = PageForm(request.POST or None, instance=page, initial={"revision": course.revision})
    preview = services.render_markdown(request.POST.get("body", "")) if request.method == "POST" else ""
    if request.method == "POST" and form.is_valid():
        try:
            services.course_page_save(actor=request.user, course=course, page=page, title=form.cleaned_data["title"],
                                      body=form.cleaned_data["body"], position=form.cleaned_data.get("position"),
                                      expected_revision=form.cleaned_data["revision"] or 0)
        except ValidationError as exc:
            _service_errors(form, exc)
        except services.TrainingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Page saved."))
            return redirect("training:course_edit", pk=course.pk)
    return render(request, "training/page_form.html", {"form": form, "course": course, "page": page,
                                                       "preview": preview}, status=400 if form.errors else 200)


@login_required
@permission_required("training.change_course", raise_exception=True)
@require_http_methods(["GET", "POST"])
def question_edit(request, pk: int, question_pk: int | None = None):
    course = get_object_or_404(Course, pk=pk)
    question = get_object_or_404(course.questions, pk=question_pk) if question_pk else None
    initial = {"revision": course.revision}
    if question is not None:
        initial |= {"text": question.text, "kind": question.kind, "explanation": question.explanation,
                   "choices": "\n".join(("* " if c.is_correct else "") + c.text for c in question.choices.all())}
    form = QuestionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.course_question_save(
                actor=request.user, course=course, question=question, text=form.cleaned_data["text"],
                kind=form.cleaned_data["kind"], explanation=form.cleaned_data["explanation"],
                choices_text=form.cleaned_data["choices"], expected_revision=form.cleaned_data["revision"] or 0)
        except ValidationError as exc:
            _service_errors(form, exc)
        except services.TrainingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Question saved."))
            return redirect("training:course_edit", pk=course.pk)
    return render(request, "training/question_form.html", {"form": form, "course": course, "question": question},
                  status=400 if form.errors else 200)


@login_required
@permission_required("training.change_course", raise_exception=True)
@require_http_methods(["GET", "POST"])
def audience_edit(request, pk: int):
    course = get_object_or_404(Course, pk=pk)
    rules = list(course.audience.all())
    form = AudienceForm(request.POST or None, initial={
        "everyone": any(r.kind == "everyone" for r in rules),
        "roles": [r.role for r in rules if r.kind == "role"],
        "departments": [r.department_id for r in rules if r.kind == "department"],
    })
    if request.method == "POST" and form.is_valid():
        services.course_audience_set(actor=request.user, course=course, everyone=form.cleaned_data["everyone"],
                                     roles=form.cleaned_data["roles"],
                                     departments=list(form.cleaned_data["departments"]))
        messages.success(request, _("Audience saved; the assignments follow within a minute."))
        return redirect("training:course_edit", pk=course.pk)
    return render(request, "training/audience_form.html", {"form": form, "course": course},
                  status=400 if form.errors else 200)


@login_required
@permission_required("training.change_course", raise_exception=True)
@require_POST
def assignment_exempt(request, pk: int):
    assignment = get_object_or_404(Assignment.objects.select_related("user", "course"), pk=pk)
    form = ExemptForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why this employee is exempt."))
        return redirect("training:report")
    try:
        services.assignment_exempt(actor=request.user, assignment=assignment, reason=form.cleaned_data["reason"])
    except services.TrainingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(name)s is exempt from “%(course)s”.") % {
            "name": assignment.user, "course": assignment.course})
    return redirect("training:report")


# The report --------------------------------------------------------------------------------------------------


@login_required
@permission_required("training.view_training_report", raise_exception=True)
@require_GET
def report(request):
    today = timezone.localdate()
    # The overdue list a page at a time, the longest overdue first, always current, and not counted: the page costs
    # the same at any size, and an exemption shows at once. Its total is the figures' (counted once a minute).
    overdue_page = window(selectors.overdue_list(today, limit=None), OVERDUE_PER_PAGE,
                          request.GET.get("overdue_page"))
    # Overdue assignments share a few due dates: each is formatted once, and the exemption links come from one reverse.
    shown = {day: formats.date_format(day, "DATE_FORMAT") for day in {a.due_date for a in overdue_page.object_list}}
    exempt_url = cached_reverser("training:exempt")
    overdue = [{"assignment": a, "due": shown[a.due_date], "exempt_url": exempt_url(a.pk)}
               for a in overdue_page.object_list]
    return render(request, "training/report.html", {
        **_report_figures(today), "overdue": overdue, "overdue_page": overdue_page,
        "pdf_document": f"{REPORT_PDF}|", "xlsx_document": f"{REPORT_XLSX}|",
        "can_exempt": request.user.has_perm("training.change_course"),
    })


def _report_figures(today) -> dict:
    """Completion overall, by course, department and manager, and the twelve months' trend with its chart: at most
    once a minute per language, as the home page's posture. Their grouped queries over every assignment and the
    chart's drawing cost most of the page, and grow with the organisation; the figures are everyone's alike."""
    key = f"training:report:{translation.get_language()}:{today.isoformat()}"
    return cache_fresh(key, lambda: _count_report_figures(today), POSTURE_CACHE_SECONDS)


def _count_report_figures(today) -> dict:
    figures = selectors.report_figures(today)
    # Twelve months, each named once: the month alone fits under its bar; the heading gives the years.
    figures["trend_chart"] = bar_chart([formats.date_format(t["month"], "M") for t in figures["trend"]],
                                       [t["completed"] for t in figures["trend"]], series=_("Completions"))
    figures.update(trend_first=figures["trend"][0]["month"], trend_last=figures["trend"][-1]["month"],
                   computed_at=timezone.now())
    return figures


# The directory -----------------------------------------------------------------------------------------------


@login_required
@permission_required("training.manage_directory", raise_exception=True)
@require_GET
def directory(request):
    search = request.GET.get("q", "").strip()[:100]
    profiles = selectors.directory(search)[:500]
    return render(request, "training/directory.html", {"profiles": profiles, "search": search})


@login_required
@permission_required("training.manage_directory", raise_exception=True)
@require_http_methods(["GET", "POST"])
@require_recent_mfa
def directory_import_view(request):
    """Upload: every row is checked and the changes are shown; "Apply" writes them all, or nothing."""
    form = DirectoryImportForm(request.POST or None, request.FILES or None)
    result, previewed = None, ""
    if request.method == "POST" and form.is_valid():
        content = form.cleaned_data["content"]
        apply = "apply" in request.POST and not form.cleaned_data.get("file")
        result = directory_import(actor=request.user, data=content, apply=apply)
        if result.applied:
            messages.success(request, _("Directory imported: %(created)s new, %(updated)s changed.") % {
                "created": result.count("create"), "updated": result.count("update")})
            return redirect("training:directory")
        if result.ok:
            previewed = encode_preview(content)
    return render(request, "training/directory_import.html", {
        "form": form, "result": result, "previewed": previewed, "columns": COLUMNS, "required": REQUIRED,
        "counts": {action: result.count(action) for action in ("create", "update", "unchanged")} if result else {},
    }, status=400 if (form.errors or (result and not result.ok)) else 200)
