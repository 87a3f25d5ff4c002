from portal.accounts.roles import Role
from tests.authz.spec import EVERY_VERIFIED_USER, Access

AUTHORS = [Role.DPO.value, Role.ADMIN.value]
REPORT_READERS = [*AUTHORS, Role.AUDITOR.value]


def _assignment(owner):
    from tests.training.factories import AssignmentFactory, full_course

    return {"pk": AssignmentFactory(user=owner, course=full_course()).pk}


def _page(owner):
    return {**_assignment(owner), "index": 0}


def _completed(owner):
    from django.utils import timezone

    from tests.training.factories import AssignmentFactory, full_course
    from training.exports import certificate_sha256
    from training.models import Assignment

    assignment = AssignmentFactory(user=owner, course=full_course(), status=Assignment.Status.COMPLETED,
                                   completed_at=timezone.now(), score_percent=100)
    assignment.certificate_sha256 = certificate_sha256(assignment)
    assignment.save()
    return {"pk": assignment.pk}


def _attempt(owner):
    from tests.training.factories import AssignmentFactory, full_course
    from training.models import QuizAttempt

    assignment = AssignmentFactory(user=owner, course=full_course())
    attempt = QuizAttempt.objects.create(assignment=assignment,
                                         question_ids=list(assignment.course.questions.values_list("pk", flat=True)))
    return {"pk": assignment.pk, "attempt_pk": attempt.pk}


def _course(owner):
    from tests.training.factories import full_course

    return {"pk": full_course().pk}


def _course_page(owner):
    from tests.training.factories import full_course

    course = full_course()
    return {"pk": course.pk, "page_pk": course.pages.first().pk}


def _course_question(owner):
    from tests.training.factories import full_course

    course = full_course()
    return {"pk": course.pk, "question_pk": course.questions.first().pk}


def _any_assignment(owner):
    from tests.training.factories import AssignmentFactory, full_course

    return {"pk": AssignmentFactory(course=full_course()).pk}


ENTRIES = [
    Access("training:my_training", EVERY_VERIFIED_USER),
    Access("training:assignment", EVERY_VERIFIED_USER, kwargs=_assignment, outsider=404,
           note="an employee reaches only their own training"),
    Access("training:page", EVERY_VERIFIED_USER, kwargs=_page, outsider=404),
    Access("training:page_done", EVERY_VERIFIED_USER, method="post", ok=302, kwargs=_page, outsider=404),
    Access("training:complete", EVERY_VERIFIED_USER, method="post", ok=302, kwargs=_assignment, outsider=404),
    Access("training:quiz_start", EVERY_VERIFIED_USER, method="post", ok=302, kwargs=_assignment, outsider=404),
    Access("training:attempt", EVERY_VERIFIED_USER, kwargs=_attempt, outsider=404,
           note="another employee's quiz and results are a 404", also={"post": 302}),
    Access("training:certificate", EVERY_VERIFIED_USER, kwargs=_completed, outsider=404),
    Access("training:exempt", AUTHORS, method="post", ok=302, kwargs=_any_assignment,
           data=lambda: {"reason": "On parental leave until March."}),
    Access("training:course_list", AUTHORS),
    Access("training:course_create", AUTHORS, also={"post": 200}),
    Access("training:course_edit", AUTHORS, kwargs=_course, also={"post": 200}),
    Access("training:page_create", AUTHORS, kwargs=_course, also={"post": 200}),
    Access("training:page_edit", AUTHORS, kwargs=_course_page, also={"post": 200}),
    Access("training:question_create", AUTHORS, kwargs=_course, also={"post": 200}),
    Access("training:question_edit", AUTHORS, kwargs=_course_question, also={"post": 200}),
    Access("training:audience", AUTHORS, kwargs=_course, also={"post": 200}),
    Access("training:report", REPORT_READERS),
    Access("training:directory", AUTHORS),
    Access("training:directory_import", AUTHORS, also={"post": 200}, step_up=True),
]
