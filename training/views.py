"""What the employee sees: my training, the pages of a course, the quiz and the certificate."""

import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.exports.registry import get_kind
from portal.exports.rendering import render_document
from training import selectors, services
from training.exports import CERTIFICATE
from training.models import Assignment, Question, QuizAttempt


@login_required
@require_GET
def my_training(request):
    return render(request, "training/my_training.html", selectors.my_training(request.user))


def _own(request, pk: int) -> Assignment:
    return get_object_or_404(selectors.my_assignments(request.user), pk=pk)


@login_required
@require_GET
def assignment_detail(request, pk: int):
    """The course overview: what it covers, how far the employee got, and the way on (resume, quiz, certificate)."""
    assignment = _own(request, pk)
    pages = list(assignment.course.pages.only("pk", "position", "title"))
    attempts = list(assignment.attempts.filter(submitted_at__isnull=False).order_by("-submitted_at")[:10])
    resume = min(assignment.current_page, len(pages) - 1) if pages else None
    return render(request, "training/assignment_detail.html", {
        "assignment": assignment, "course": assignment.course, "pages": pages, "resume": resume,
        "pages_read": min(assignment.current_page, len(pages)), "attempts": attempts,
        "has_quiz": assignment.course.questions.exists(),
        "refresher_due": services.next_refresher_due(assignment),
    })


@login_required
@require_GET
def page_view(request, pk: int, index: int):
    assignment = _own(request, pk)
    pages = list(assignment.course.pages.all())
    if not 0 <= index < len(pages):
        raise Http404(_("No such page."))
    page = pages[index]
    return render(request, "training/page.html", {
        "assignment": assignment, "course": assignment.course, "page": page, "index": index,
        "count": len(pages), "body": services.render_markdown(page.body), "is_last": index == len(pages) - 1,
    })


@login_required
@require_POST
def page_done(request, pk: int, index: int):
    """The employee finished reading a page: remember it, and go on to the next page (or the quiz)."""
    assignment = _own(request, pk)
    count = assignment.course.pages.count()
    if not 0 <= index < count:
        raise Http404(_("No such page."))
    if assignment.is_open:
        services.assignment_record_page(actor=request.user, assignment=assignment, position=index + 1)
    if index + 1 < count:
        return redirect("training:page", pk=pk, index=index + 1)
    return redirect("training:assignment", pk=pk)


@login_required
@require_POST
def complete_without_quiz(request, pk: int):
    assignment = _own(request, pk)
    try:
        services.assignment_complete_without_quiz(actor=request.user, assignment=assignment)
    except services.TrainingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Course completed. Your certificate is ready."))
    return redirect("training:assignment", pk=pk)


@login_required
@require_POST
def quiz_start(request, pk: int):
    assignment = _own(request, pk)
    try:
        attempt = services.quiz_attempt_start(actor=request.user, assignment=assignment)
    except services.TrainingError as exc:
        messages.error(request, str(exc))
        return redirect("training:assignment", pk=pk)
    return redirect("training:attempt", pk=pk, attempt_pk=attempt.pk)


def _questions(attempt: QuizAttempt) -> list[Question]:
    by_id = {q.pk: q for q in Question.objects.filter(pk__in=attempt.question_ids).prefetch_related("choices")}
    return [by_id[qid] for qid in attempt.question_ids if qid in by_id]


@login_required
@require_http_methods(["GET", "POST"])
def attempt_view(request, pk: int, attempt_pk: int):
    """GET: the questions (or, once submitted, the score with explanations). POST: submit the answers."""
    assignment = _own(request, pk)
    attempt = get_object_or_404(assignment.attempts, pk=attempt_pk)
    questions = _questions(attempt)
    if request.method == "POST":
        if attempt.submitted_at is not None:
            return redirect("training:attempt", pk=pk, attempt_pk=attempt.pk)
        answers = {q.pk: [v for v in request.POST.getlist(f"q{q.pk}") if v.isdigit()] for q in questions}
        try:
            attempt = services.quiz_attempt_submit(actor=request.user, attempt=attempt, answers=answers)
        except services.TrainingError as exc:
            messages.error(request, str(exc))
        return redirect("training:attempt", pk=pk, attempt_pk=attempt.pk)
    results = []
    if attempt.submitted_at is not None:
        for question in questions:
            chosen = set(attempt.answers.get(str(question.pk), []))
            right = {c.pk for c in question.choices.all() if c.is_correct}
            results.append({"question": question, "chosen": chosen, "right": right,
                            "score": services.score_question(question, chosen, right)})
    assignment.refresh_from_db()
    return render(request, "training/attempt.html", {
        "assignment": assignment, "course": assignment.course, "attempt": attempt, "questions": questions,
        "results": results,
    })


@login_required
@require_GET
def certificate(request, pk: int):
    """The certificate PDF of one's own completed course, rendered by the export framework."""
    assignment = _own(request, pk)
    if assignment.status != Assignment.Status.COMPLETED:
        raise Http404(_("This training is not completed."))
    kind = get_kind(CERTIFICATE)
    target = tempfile.TemporaryFile(prefix="annex-certificate-")  # noqa: SIM115 (FileResponse closes it)
    document = render_document(kind, str(assignment.pk), target, user=request.user)
    target.seek(0)
    services.record_certificate_download(actor=request.user, assignment=assignment)
    return FileResponse(target, as_attachment=True, filename=document.file_name, content_type=kind.content_type)
