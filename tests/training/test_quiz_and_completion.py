import random
from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from portal.audit.models import AuditEvent
from tests.factories import UserFactory
from tests.training.factories import AssignmentFactory, PageFactory, full_course, question_with
from training import services
from training.models import Assignment, Question

pytestmark = pytest.mark.django_db


def _right(question):
    return [c.pk for c in question.choices.all() if c.is_correct]


def _wrong(question):
    return [c.pk for c in question.choices.all() if not c.is_correct]


def test_single_choice_is_right_only_with_exactly_the_right_answer():
    question = question_with(full_course())
    right, wrong = set(_right(question)), set(_wrong(question))
    assert services.score_question(question, right, right) == 1
    assert services.score_question(question, right | {next(iter(wrong))}, right) == 0
    assert services.score_question(question, set(), right) == 0


def test_multiple_choice_gives_partial_credit_less_wrong_answers_never_below_zero():
    question = question_with(full_course(), kind=Question.Kind.MULTIPLE, right=2, wrong=2)
    right, wrong = _right(question), _wrong(question)
    r = set(right)
    assert services.score_question(question, set(right), r) == 1
    assert services.score_question(question, {right[0]}, r) == 0.5
    assert services.score_question(question, {right[0], wrong[0]}, r) == 0
    assert services.score_question(question, set(wrong), r) == 0


def test_a_quiz_scores_partial_answers_and_a_pass_completes_with_a_refresher():
    course = full_course(pass_mark_percent=60, validity_months=12)
    multiple = question_with(course, kind=Question.Kind.MULTIPLE, right=2, wrong=1)
    user = UserFactory()
    assignment = AssignmentFactory(user=user, course=course)
    questions = list(course.questions.order_by("position"))
    with time_machine.travel("2026-03-15 09:00Z"):
        attempt = services.quiz_attempt_start(actor=user, assignment=assignment)
        answers = {q.pk: _right(q) for q in questions if q.pk != multiple.pk}
        answers[multiple.pk] = _right(multiple)[:1]
        attempt = services.quiz_attempt_submit(actor=user, attempt=attempt, answers=answers)
    assert attempt.score_percent == 83  # (1 + 1 + 0.5) / 3
    assert attempt.passed
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.COMPLETED and assignment.score_percent == 83
    assert len(assignment.certificate_sha256) == 64
    refresher = Assignment.objects.get(user=user, course=course, status=Assignment.Status.ASSIGNED)
    assert refresher.due_date == date(2027, 3, 15)
    assert AuditEvent.objects.filter(action="training.course_completed").count() == 1


def test_a_failed_quiz_keeps_the_assignment_open_for_a_retry():
    course = full_course()
    user = UserFactory()
    assignment = AssignmentFactory(user=user, course=course)
    attempt = services.quiz_attempt_start(actor=user, assignment=assignment)
    attempt = services.quiz_attempt_submit(actor=user, attempt=attempt, answers={})
    assert attempt.score_percent == 0 and not attempt.passed
    assignment.refresh_from_db()
    assert assignment.is_open
    again = services.quiz_attempt_start(actor=user, assignment=assignment)
    assert again.pk != attempt.pk


def test_a_pool_draws_the_configured_number_of_questions():
    course = full_course(pool_size=2)
    question_with(course)
    question_with(course)
    user = UserFactory()
    attempt = services.quiz_attempt_start(actor=user, assignment=AssignmentFactory(user=user, course=course),
                                          rng=random.Random(4))
    assert len(attempt.question_ids) == 2
    assert set(attempt.question_ids) <= set(course.questions.values_list("pk", flat=True))


def test_an_employee_cannot_take_another_employees_quiz():
    course = full_course()
    owner, other = UserFactory(), UserFactory()
    assignment = AssignmentFactory(user=owner, course=course)
    with pytest.raises(PermissionDenied):
        services.quiz_attempt_start(actor=other, assignment=assignment)


def test_reading_pages_starts_the_course_and_remembers_where_to_resume():
    course = full_course()
    PageFactory(course=course, position=3)
    user = UserFactory()
    assignment = AssignmentFactory(user=user, course=course)
    services.assignment_record_page(actor=user, assignment=assignment, position=2)
    services.assignment_record_page(actor=user, assignment=assignment, position=1)
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.IN_PROGRESS and assignment.current_page == 2


def test_markdown_is_rendered_and_sanitised():
    html = services.render_markdown("## Title\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) **bold**"
                                    "\n\n<img src=x onerror=alert(1)>")
    assert "<h2>Title</h2>" in html and "<strong>bold</strong>" in html
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html and "<img" not in html


def test_correcting_a_question_while_a_quiz_is_open_keeps_its_answers_so_right_answers_still_score():
    from portal.accounts.roles import Role

    course = full_course(pass_mark_percent=100)
    user, author = UserFactory(), UserFactory(roles=[Role.DPO])
    assignment = AssignmentFactory(user=user, course=course)
    questions = list(course.questions.order_by("position"))
    attempt = services.quiz_attempt_start(actor=user, assignment=assignment)
    answers = {q.pk: _right(q) for q in questions}  # the answers on the employee's screen

    first = questions[0]
    lines = "\n".join(("*" if c.is_correct else "") + c.text for c in first.choices.order_by("position"))
    services.course_question_save(actor=author, course=course, question=first, text=first.text, kind=first.kind,
                                  explanation="Corrected: because it is.", choices_text=lines.replace("wrong 1",
                                                                                                      "wrong one"))
    attempt = services.quiz_attempt_submit(actor=user, attempt=attempt, answers=answers)

    assert attempt.passed and attempt.score_percent == 100
    saved = AuditEvent.objects.filter(action="training.question_saved").latest("seq")
    assert saved.changes["answers"] == {"before": ["*right 0", "wrong 0", "wrong 1"],
                                        "after": ["*right 0", "wrong 0", "wrong one"]}
