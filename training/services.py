"""Writes of employee training: authoring courses, taking them, the quiz, exemptions and certificates."""

import random
from datetime import date, timedelta

import markdown
import nh3
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit.services import audit_record, masked_changes
from training.audit_actions import TrainingAction
from training.models import (
    OPEN_STATUSES,
    Assignment,
    AudienceRule,
    Choice,
    Course,
    CoursePage,
    Department,
    Question,
    QuizAttempt,
    add_months,
)

COURSE_FIELDS = ("title", "description", "estimated_minutes", "validity_months", "pass_mark_percent", "pool_size",
                 "due_days", "new_hire_days", "is_published")
ALLOWED_TAGS = {"p", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "code", "pre", "blockquote", "a", "table",
                "thead", "tbody", "tr", "th", "td", "hr", "br"}


def render_markdown(text: str) -> str:
    """Markdown to HTML, then sanitised to a small allow-list (no scripts, styles, images or event handlers)."""
    html = markdown.markdown(text, extensions=["tables", "sane_lists"], output_format="html")
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes={"a": {"href", "title"}, "th": {"scope"}},
                     url_schemes={"https", "mailto"}, link_rel="noopener noreferrer")


class TrainingError(Exception):
    """A rule of training refused the request; the message says why."""


def _require_author(actor) -> None:
    if not actor.has_perm("training.change_course"):
        raise PermissionDenied(_("Only the DPO and administrators write courses."))


# Authoring ---------------------------------------------------------------------------------------------------


@transaction.atomic
def course_create(*, actor, data: dict) -> Course:
    """A new course, unpublished until its author publishes it."""
    _require_author(actor)
    course = Course(**{name: data[name] for name in COURSE_FIELDS if name in data})
    course.full_clean()
    course.save(force_insert=True)
    audit_record(action=TrainingAction.COURSE_CREATED, actor=actor, target=course,
                 changes=masked_changes({name: (None, getattr(course, name)) for name in COURSE_FIELDS}))
    return course


@transaction.atomic
def course_update(*, actor, course: Course, data: dict, expected_revision: int, new_version: bool = False,
                  require_retake: bool = False) -> Course:
    """Change a course. A new version is printed on new certificates; a material change makes every
    earlier completion stop counting: the refreshers already scheduled fall due within the course's days to
    complete, and the sweep assigns the course again to everyone else in its audience."""
    _require_author(actor)
    locked = Course.objects.select_for_update().get(pk=course.pk)
    if locked.revision != expected_revision:
        raise TrainingError(_("Someone else changed this course while you were editing it. Your text is kept "
                              "below; compare it with the current course and save again."))
    diff = {}
    for name in COURSE_FIELDS:
        if name in data and getattr(locked, name) != data[name]:
            diff[name] = (getattr(locked, name), data[name])
            setattr(locked, name, data[name])
    if new_version or require_retake:
        diff["version"] = (locked.version, locked.version + 1)
        locked.version += 1
        if require_retake:
            diff["retake_from_version"] = (locked.retake_from_version, locked.version)
            locked.retake_from_version = locked.version
    locked.full_clean()
    locked.revision += 1
    locked.save()
    if require_retake:
        # The refreshers that completions already scheduled (months away) fall due like a new assignment.
        due = timezone.localdate() + timedelta(days=locked.due_days)
        moved = Assignment.objects.filter(course=locked, status__in=OPEN_STATUSES, due_date__gt=due).update(
            due_date=due)
        diff["open_assignments_due"] = (None, f"{moved} → {due.isoformat()}")
    audit_record(action=TrainingAction.COURSE_UPDATED, actor=actor, target=locked, changes=masked_changes(diff))
    if require_retake:
        from training.tasks import assignments_sweep_task

        transaction.on_commit(lambda: assignments_sweep_task.delay())
    return locked


def _course_revised(course: Course, expected_revision: int | None) -> None:
    """Lock the course; refuse an edit made from a form opened before another change of the course (its pages and
    questions included: `expected_revision` from the form, None from code that edits no form), and count this one."""
    locked = Course.objects.select_for_update().get(pk=course.pk)
    if expected_revision is not None and locked.revision != expected_revision:
        raise TrainingError(_("Someone else changed this course while you were editing it. Your text is kept "
                              "below; compare it with the current course and save again."))
    Course.objects.filter(pk=course.pk).update(revision=F("revision") + 1)


@transaction.atomic
def course_page_save(*, actor, course: Course, page: CoursePage | None, title: str, body: str,
                     position: int | None = None, expected_revision: int | None = None) -> CoursePage:
    _require_author(actor)
    _course_revised(course, expected_revision)
    if page is None:
        last = course.pages.order_by("-position").values_list("position", flat=True).first()
        page = CoursePage(course=course, position=(last or 0) + 1)
    before = (page.title, page.body)
    page.title, page.body = title.strip(), body.strip()
    if position is not None:
        page.position = position
    page.full_clean()
    try:
        with transaction.atomic():
            page.save()
    except IntegrityError:
        raise ValidationError({"position": _("Another page has this position.")}) from None
    # The text before and after: what a save replaced can be read back from the trail.
    audit_record(action=TrainingAction.COURSE_PAGE_SAVED, actor=actor, target=course,
                 changes={"page": (before[0] or None, page.title), "body": (before[1] or None, page.body)})
    return page


def parse_choices(text: str) -> list[tuple[str, bool]]:
    """One answer per line; a line starting with "*" is a right answer."""
    choices = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        correct = line.startswith("*")
        choices.append((line.lstrip("*").strip(), correct))
    return choices


@transaction.atomic
def course_question_save(*, actor, course: Course, question: Question | None, text: str, kind: str,
                         explanation: str, choices_text: str, expected_revision: int | None = None) -> Question:
    _require_author(actor)
    _course_revised(course, expected_revision)
    choices = parse_choices(choices_text)
    right = sum(1 for _text, correct in choices if correct)
    if len(choices) < 2:
        raise ValidationError({"choices": _("Give at least two answers, one per line.")})
    if right == 0:
        raise ValidationError({"choices": _("Mark the right answer with a * at the start of its line.")})
    if kind == Question.Kind.SINGLE and right != 1:
        raise ValidationError({"choices": _("A single-choice question has exactly one right answer.")})
    if any(len(choice) > 300 for choice, _c in choices):
        raise ValidationError({"choices": _("An answer is longer than 300 characters.")})
    if question is None:
        last = course.questions.order_by("-position").values_list("position", flat=True).first()
        question = Question(course=course, position=(last or 0) + 1)
    before_text = question.text if question.pk else None
    question.text, question.kind, question.explanation = text.strip(), kind, explanation.strip()
    question.full_clean()
    question.save()
    before = _answer_lines(question.choices.order_by("position")) if before_text is not None else None
    _choices_replace(question, choices)
    audit_record(action=TrainingAction.COURSE_QUESTION_SAVED, actor=actor, target=course,
                 changes={"question": (before_text, question.text), "answers": (before, _answer_lines(
                     (Choice(text=choice, is_correct=correct) for choice, correct in choices)))})
    return question


def _answer_lines(choices) -> list[str]:
    """The answers as the author writes them, a right one with "*": the audit trail keeps the answer key."""
    return [("*" if choice.is_correct else "") + choice.text for choice in choices]


def _choices_replace(question: Question, choices: list[tuple[str, bool]]) -> None:
    """The answers in their new wording, each kept in its place: an answer keeps its id, so a quiz open while
    the author corrects a typo is still scored on what the employee chose. Answers beyond the new ones go."""
    kept = list(question.choices.order_by("position"))
    changed = []
    for choice, (text, correct) in zip(kept, choices, strict=False):
        if (choice.text, choice.is_correct) != (text, correct):
            choice.text, choice.is_correct = text, correct
            changed.append(choice)
    Choice.objects.bulk_update(changed, ["text", "is_correct"])
    Choice.objects.bulk_create([Choice(question=question, position=i, text=text, is_correct=correct)
                                for i, (text, correct) in enumerate(choices[len(kept):], start=len(kept) + 1)])
    Choice.objects.filter(pk__in=[choice.pk for choice in kept[len(choices):]]).delete()


@transaction.atomic
def course_audience_set(*, actor, course: Course, everyone: bool, roles: list[str],
                        departments: list[Department]) -> None:
    """Replace the audience of a course; the sweep that follows assigns it to whoever is newly included."""
    _require_author(actor)
    Course.objects.select_for_update().filter(pk=course.pk).first()
    before = sorted(str(rule) for rule in course.audience.select_related("department"))
    course.audience.all().delete()
    rules = []
    if everyone:
        rules.append(AudienceRule(course=course, kind=AudienceRule.Kind.EVERYONE))
    rules += [AudienceRule(course=course, kind=AudienceRule.Kind.ROLE, role=role) for role in roles]
    rules += [AudienceRule(course=course, kind=AudienceRule.Kind.DEPARTMENT, department=d) for d in departments]
    AudienceRule.objects.bulk_create(rules)
    audit_record(action=TrainingAction.COURSE_AUDIENCE_CHANGED, actor=actor, target=course,
                 changes={"audience": (before, sorted(str(rule) for rule in rules))})
    from training.tasks import assignments_sweep_task

    transaction.on_commit(lambda: assignments_sweep_task.delay())


@transaction.atomic
def assignment_exempt(*, actor, assignment: Assignment, reason: str) -> Assignment:
    if not actor.has_perm("training.change_course"):
        raise PermissionDenied(_("Only the DPO and administrators exempt employees from training."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why this employee is exempt.")})
    locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if not locked.is_open:
        raise TrainingError(_("Only an open assignment can be exempted."))
    before = locked.status
    locked.status, locked.exempt_reason = Assignment.Status.EXEMPT, reason.strip()
    locked.save(update_fields=["status", "exempt_reason"])
    audit_record(action=TrainingAction.ASSIGNMENT_EXEMPTED, actor=actor, target=locked,
                 changes={"status": (before, locked.status), "reason": (None, locked.exempt_reason)})
    return locked


# Taking a course ---------------------------------------------------------------------------------------------


def _own_open(actor, assignment: Assignment) -> Assignment:
    locked = Assignment.objects.select_for_update().select_related("course").get(pk=assignment.pk)
    if locked.user_id != actor.pk:
        raise PermissionDenied(_("This is another employee's training."))
    if not locked.is_open:
        raise TrainingError(_("This training is already finished."))
    return locked


@transaction.atomic
def assignment_record_page(*, actor, assignment: Assignment, position: int) -> Assignment:
    """Remember the page the employee reached, so "Resume" opens it; the first page read starts the course."""
    locked = _own_open(actor, assignment)
    fields = []
    if locked.status == Assignment.Status.ASSIGNED:
        locked.status, locked.started_at = Assignment.Status.IN_PROGRESS, timezone.now()
        locked.course_version = locked.course.version
        fields += ["status", "started_at", "course_version"]
    if position > locked.current_page:
        locked.current_page = position
        fields.append("current_page")
    if fields:
        locked.save(update_fields=fields)
    return locked


@transaction.atomic
def quiz_attempt_start(*, actor, assignment: Assignment, rng: random.Random | None = None) -> QuizAttempt:
    """The open attempt, or a new one with its questions drawn (all, or `pool_size` at random)."""
    locked = _own_open(actor, assignment)
    attempt = locked.attempts.filter(submitted_at__isnull=True).first()
    if attempt is not None:
        return attempt
    ids = list(locked.course.questions.order_by("position").values_list("pk", flat=True))
    if not ids:
        raise TrainingError(_("This course has no quiz."))
    pool = locked.course.pool_size
    if pool and pool < len(ids):
        ids = sorted((rng or random.SystemRandom()).sample(ids, pool), key=ids.index)
    return QuizAttempt.objects.create(assignment=locked, question_ids=ids)


def score_question(question: Question, chosen: set[int], right: set[int]) -> float:
    """1 for exactly the right answers. A multiple-choice question earns a share for each right answer
    chosen, less one share for each wrong one, never below 0; a single-choice question is right or wrong."""
    if question.kind == Question.Kind.SINGLE:
        return 1.0 if chosen == right and len(chosen) == 1 else 0.0
    if not right:
        return 0.0
    return max(0.0, (len(chosen & right) - len(chosen - right)) / len(right))


@transaction.atomic
def quiz_attempt_submit(*, actor, attempt: QuizAttempt, answers: dict[int, list[int]]) -> QuizAttempt:
    """Score the attempt; a pass completes the assignment and schedules the refresher."""
    locked = QuizAttempt.objects.select_for_update().get(pk=attempt.pk)
    assignment = _own_open(actor, locked.assignment)
    if locked.submitted_at is not None:
        raise TrainingError(_("This attempt was already submitted."))
    questions = {q.pk: q for q in Question.objects.filter(pk__in=locked.question_ids).prefetch_related("choices")}
    total = 0.0
    clean: dict[str, list[int]] = {}
    for qid in locked.question_ids:
        question = questions.get(qid)
        if question is None:
            continue
        valid = {c.pk for c in question.choices.all()}
        chosen = {int(c) for c in answers.get(qid, []) if int(c) in valid}
        clean[str(qid)] = sorted(chosen)
        total += score_question(question, chosen, {c.pk for c in question.choices.all() if c.is_correct})
    asked = len([qid for qid in locked.question_ids if qid in questions]) or 1
    locked.score_percent = round(100 * total / asked)
    locked.passed = locked.score_percent >= assignment.course.pass_mark_percent
    locked.answers, locked.submitted_at = clean, timezone.now()
    locked.save(update_fields=["score_percent", "passed", "answers", "submitted_at"])
    audit_record(action=TrainingAction.QUIZ_SUBMITTED, actor=actor, target=assignment,
                 changes={"score_percent": (None, locked.score_percent), "passed": (None, locked.passed)})
    if locked.passed:
        _complete(actor=actor, assignment=assignment, score=locked.score_percent)
    return locked


@transaction.atomic
def assignment_complete_without_quiz(*, actor, assignment: Assignment) -> Assignment:
    """A course without a quiz is completed by reading its last page."""
    locked = _own_open(actor, assignment)
    if locked.course.questions.exists():
        raise TrainingError(_("Pass the quiz to complete this course."))
    pages = locked.course.pages.count()
    if locked.current_page < pages:
        raise TrainingError(_("Read every page to complete this course."))
    return _complete(actor=actor, assignment=locked, score=None)


def _complete(*, actor, assignment: Assignment, score: int | None) -> Assignment:
    from training.exports import certificate_sha256

    now = timezone.now()
    course = assignment.course
    assignment.status, assignment.completed_at, assignment.score_percent = Assignment.Status.COMPLETED, now, score
    assignment.course_version = course.version
    assignment.save(update_fields=["status", "completed_at", "score_percent", "course_version"])
    assignment.certificate_sha256 = certificate_sha256(assignment)
    assignment.save(update_fields=["certificate_sha256"])
    refresher = None
    if course.validity_months:
        due = add_months(timezone.localdate(now), course.validity_months)
        refresher = Assignment.objects.create(user_id=assignment.user_id, course=course, due_date=due,
                                              course_version=course.version)
    audit_record(action=TrainingAction.COURSE_COMPLETED, actor=actor, target=assignment,
                 changes={"status": (None, Assignment.Status.COMPLETED), "score_percent": (None, score),
                          "version": (None, course.version),
                          "refresher_due": (None, refresher.due_date.isoformat() if refresher else None)})
    return assignment


def next_refresher_due(assignment: Assignment) -> date | None:
    if assignment.completed_at is None or not assignment.course.validity_months:
        return None
    return add_months(timezone.localdate(assignment.completed_at), assignment.course.validity_months)


def record_certificate_download(*, actor, assignment: Assignment) -> None:
    audit_record(action=TrainingAction.CERTIFICATE_DOWNLOADED, actor=actor, target=assignment,
                 changes={"certificate_sha256": assignment.certificate_sha256})


def record_report_export(*, actor, fmt: str) -> None:
    audit_record(action=TrainingAction.REPORT_EXPORTED, actor=actor, target_type="training.report",
                 target_label=_("Training report"), changes={"format": fmt})


