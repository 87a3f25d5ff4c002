from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from portal.accounts.roles import Role
from portal.audit.models import AuditEvent
from tests.factories import UserFactory
from tests.training.factories import AssignmentFactory, DepartmentFactory, ProfileFactory, full_course
from training import services
from training.models import OPEN_STATUSES, Assignment, Course

pytestmark = pytest.mark.django_db


def test_an_employee_reads_the_pages_passes_the_quiz_and_downloads_the_certificate(signed_in):
    client, user = signed_in(Role.EMPLOYEE)
    course = full_course()
    assignment = AssignmentFactory(user=user, course=course)
    assert course.title.encode() in client.get(reverse("training:my_training")).content
    for index in range(2):
        assert client.get(reverse("training:page", args=[assignment.pk, index])).status_code == 200
        client.post(reverse("training:page_done", args=[assignment.pk, index]))
    response = client.post(reverse("training:quiz_start", args=[assignment.pk]))
    attempt_url = response["Location"]
    page = client.get(attempt_url)
    data = {}
    for question in page.context["questions"]:
        data[f"q{question.pk}"] = [c.pk for c in question.choices.all() if c.is_correct]
    client.post(attempt_url, data)
    result = client.get(attempt_url)
    assert b"quiz-result" in result.content and result.context["attempt"].passed
    assert b"Because it is." in result.content  # the explanation
    pdf = client.get(reverse("training:certificate", args=[assignment.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="training.certificate_downloaded").count() == 1


def test_the_certificate_hash_is_confirmed_by_the_public_verify_page(client):
    user = UserFactory()
    course = full_course()
    assignment = AssignmentFactory(user=user, course=course)
    attempt = services.quiz_attempt_start(actor=user, assignment=assignment)
    services.quiz_attempt_submit(actor=user, attempt=attempt, answers={
        q.pk: [c.pk for c in q.choices.all() if c.is_correct] for q in course.questions.all()})
    assignment.refresh_from_db()
    response = client.get(reverse("verify:document", args=[assignment.certificate_sha256]))
    assert response.status_code == 200 and course.title.encode() in response.content
    assert client.get(reverse("verify:document", args=["0" * 64])).status_code == 404


def test_an_employee_never_sees_another_employees_results(signed_in):
    client, _user = signed_in(Role.EMPLOYEE)
    other = AssignmentFactory(course=full_course(), status=Assignment.Status.COMPLETED,
                              completed_at="2026-01-01T10:00Z", score_percent=91)
    response = client.get(reverse("training:my_training"))
    assert other.course.title.encode() not in response.content
    assert client.get(reverse("training:assignment", args=[other.pk])).status_code == 404
    assert client.get(reverse("training:certificate", args=[other.pk])).status_code == 404
    assert client.get(reverse("training:report")).status_code == 403


def test_the_dpo_sees_completion_in_the_report_with_the_same_number_of_queries_at_any_size(signed_in):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client, _dpo = signed_in(Role.DPO)
    course = full_course(title="Data protection principles")
    for _ in range(2):
        AssignmentFactory(user=ProfileFactory().user, course=course, status=Assignment.Status.COMPLETED,
                          completed_at="2026-01-01T10:00Z")
    AssignmentFactory(user=ProfileFactory().user, course=course, due_date="2020-01-01")
    client.get(reverse("training:report"))  # the first request after sign-in also writes the session

    def queries() -> tuple[int, object]:
        cache.clear()  # the figures counted afresh, as once a minute
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("training:report"))
        return len(captured), response

    small, response = queries()
    assert b"Data protection principles" in response.content
    for _ in range(59):
        AssignmentFactory(user=ProfileFactory().user, course=course, due_date="2020-01-01")
    large, response = queries()
    assert small == large <= 16, (small, large)
    assert len(response.context["overdue"]) == 50 and response.context["overdue_page"].has_next
    assert response.context["overall"]["rate"] == round(100 * 2 / 62, 1)
    assert response.context["overall"]["overdue"] == 60
    second = client.get(reverse("training:report"), {"overdue_page": 2})
    assert len(second.context["overdue"]) == 10 and b"Page 2" in second.content
    assert not second.context["overdue_page"].has_next and b"51 to 60" in second.content
    # No count of the overdue list: its total is the figures', counted once a minute.
    with CaptureQueriesContext(connection) as cached:
        client.get(reverse("training:report"), {"overdue_page": 2})
    counts = [q for q in cached.captured_queries if "COUNT(" in q["sql"].upper() and "training_assignment" in q["sql"]]
    assert not counts
    past_the_end = client.get(reverse("training:report"), {"overdue_page": 9})
    assert len(past_the_end.context["overdue"]) == 50 and past_the_end.context["overdue_page"].number == 1


def test_the_reports_figures_are_counted_once_a_minute_while_its_overdue_list_is_always_current(signed_in):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client, _dpo = signed_in(Role.DPO)
    course = full_course(title="Data protection principles")
    AssignmentFactory(user=ProfileFactory().user, course=course, status=Assignment.Status.COMPLETED,
                      completed_at="2026-01-01T10:00Z")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        first = client.get(reverse("training:report"))
        late = AssignmentFactory(user=ProfileFactory(user__full_name="Lena Late").user, course=course,
                                 due_date="2020-01-01")
        with CaptureQueriesContext(connection) as cached:
            again = client.get(reverse("training:report"))
    assert first.context["overall"]["people"] == 1
    assert again.context["overall"]["people"] == 1  # the figures of a minute ago...
    assert [row["assignment"].pk for row in again.context["overdue"]] == [late.pk]  # ...and the overdue list of now
    assert b"Lena Late" in again.content
    with time_machine.travel(start + timedelta(seconds=61), tick=False), \
            CaptureQueriesContext(connection) as fresh:
        later = client.get(reverse("training:report"))
    assert later.context["overall"]["people"] == 2 and later.context["overall"]["overdue"] == 1
    assert len(cached) < len(fresh)


def test_completion_by_course_department_and_manager_counts_each_person_and_course_once():
    from training.selectors import completion_by, completion_rows

    support, sales = DepartmentFactory(name="Support"), DepartmentFactory(name="Sales")
    boss = UserFactory(full_name="Mara Manager")
    first, second = full_course(title="First"), full_course(title="Second")
    done = ProfileFactory(department=support, manager=boss).user
    late = ProfileFactory(department=sales, manager=boss).user
    for course in (first, second):
        AssignmentFactory(user=done, course=course, status=Assignment.Status.COMPLETED,
                          completed_at="2026-01-10T10:00Z")
        AssignmentFactory(user=done, course=course)  # the refresher the completion scheduled
        AssignmentFactory(user=late, course=course, due_date="2020-01-01")
    rows = completion_rows()
    by = {name: {e["label"]: (e["people"], e["completed"], e["overdue"]) for e in completion_by(name, rows=rows)}
          for name in ("course", "department", "manager")}
    assert by["course"] == {"First": (2, 1, 1), "Second": (2, 1, 1)}
    assert by["department"] == {"Sales": (2, 0, 2), "Support": (2, 2, 0)}
    assert by["manager"] == {"Mara Manager": (4, 2, 2)}


def test_a_bad_course_form_keeps_what_was_typed(signed_in):
    client, _dpo = signed_in(Role.DPO)
    response = client.post(reverse("training:course_create"), {
        "title": "Phishing awareness", "description": "Typed with care", "estimated_minutes": 15,
        "validity_months": 12, "pass_mark_percent": 250, "pool_size": 0, "due_days": 30, "new_hire_days": 14})
    assert response.status_code == 400
    assert b"Typed with care" in response.content and b"Phishing awareness" in response.content
    assert not Course.objects.exists()


def test_a_stale_course_edit_is_refused_and_keeps_the_text(signed_in):
    client, dpo = signed_in(Role.DPO)
    course = full_course()
    services.course_update(actor=dpo, course=course, data={"description": "Newer"}, expected_revision=1)
    response = client.post(reverse("training:course_edit", args=[course.pk]), {
        "title": course.title, "description": "My older edit", "estimated_minutes": 15, "validity_months": 12,
        "pass_mark_percent": 80, "pool_size": 0, "due_days": 30, "new_hire_days": 14, "is_published": "on",
        "revision": 1})
    assert response.status_code == 400 and b"My older edit" in response.content
    course.refresh_from_db()
    assert course.description == "Newer"


def test_a_page_saved_from_a_stale_form_is_refused_keeps_the_text_and_the_trail_keeps_what_a_save_replaced(
        signed_in):
    client, _dpo = signed_in(Role.DPO)
    course = full_course()
    page = course.pages.order_by("position").first()
    opened = course.revision  # two authors open the same page
    url = reverse("training:page_edit", args=[course.pk, page.pk])

    form = {"title": page.title, "position": page.position, "revision": opened}
    assert client.post(url, {**form, "body": "B's rewrite"}).status_code == 302
    stale = client.post(url, {**form, "body": "A's older copy"})

    assert stale.status_code == 400 and b"A&#x27;s older copy" in stale.content
    page.refresh_from_db()
    assert page.body == "B's rewrite"
    saved = AuditEvent.objects.filter(action="training.page_saved").latest("seq")
    assert saved.changes["body"]["after"] == "B's rewrite" and saved.changes["body"]["before"]


def test_a_question_saved_from_a_stale_form_is_refused(signed_in):
    client, dpo = signed_in(Role.DPO)
    course = full_course()
    question = course.questions.order_by("position").first()
    opened = course.revision
    services.course_page_save(actor=dpo, course=course, page=None, title="New page", body="Added meanwhile",
                              expected_revision=opened)

    response = client.post(reverse("training:question_edit", args=[course.pk, question.pk]), {
        "text": "Changed question", "kind": question.kind, "choices": "*right\nwrong", "explanation": "",
        "revision": opened})

    assert response.status_code == 400 and b"Changed question" in response.content
    question.refresh_from_db()
    assert question.text != "Changed question"


def test_a_material_change_bumps_the_version_and_requires_a_retake(signed_in):
    client, _dpo = signed_in(Role.DPO)
    course = full_course()
    response = client.post(reverse("training:course_edit", args=[course.pk]), {
        "title": course.title, "description": "Changed", "estimated_minutes": 15, "validity_months": 12,
        "pass_mark_percent": 80, "pool_size": 0, "due_days": 30, "new_hire_days": 14, "is_published": "on",
        "revision": course.revision, "require_retake": "on"})
    assert response.status_code == 302
    course.refresh_from_db()
    assert course.version == 2 and course.retake_from_version == 2


def test_a_material_change_brings_a_scheduled_refresher_forward_to_the_days_to_complete(signed_in):
    client, _dpo = signed_in(Role.DPO)
    course = full_course(validity_months=12, due_days=21)
    employee = ProfileFactory().user
    assignment = AssignmentFactory(user=employee, course=course)
    attempt = services.quiz_attempt_start(actor=employee, assignment=assignment)
    services.quiz_attempt_submit(actor=employee, attempt=attempt, answers={
        q.pk: [c.pk for c in q.choices.all() if c.is_correct] for q in course.questions.all()})
    refresher = Assignment.objects.get(user=employee, course=course, status=Assignment.Status.ASSIGNED)
    assert refresher.due_date > timezone.localdate() + timedelta(days=300)
    response = client.post(reverse("training:course_edit", args=[course.pk]), {
        "title": course.title, "description": "Rewritten for the new reporting line", "estimated_minutes": 15,
        "validity_months": 12, "pass_mark_percent": 80, "pool_size": 0, "due_days": 21, "new_hire_days": 14,
        "is_published": "on", "revision": course.revision, "require_retake": "on"})
    assert response.status_code == 302
    refresher.refresh_from_db()
    assert refresher.due_date == timezone.localdate() + timedelta(days=21)
    assert Assignment.objects.filter(user=employee, course=course, status__in=OPEN_STATUSES).count() == 1


def test_a_question_with_no_right_answer_is_refused_and_kept(signed_in):
    client, _dpo = signed_in(Role.DPO)
    course = full_course()
    response = client.post(reverse("training:question_create", args=[course.pk]), {
        "text": "Who reports a breach?", "kind": "single", "choices": "Anyone\nNobody", "explanation": ""})
    assert response.status_code == 400 and b"Who reports a breach?" in response.content
    assert course.questions.count() == 2


def test_a_course_page_is_shown_sanitised(signed_in):
    client, user = signed_in(Role.EMPLOYEE)
    course = full_course()
    page = course.pages.first()
    page.body = "Hello <script>alert(1)</script> **there**"
    page.save()
    assignment = AssignmentFactory(user=user, course=course)
    response = client.get(reverse("training:page", args=[assignment.pk, 0]))
    assert b"<strong>there</strong>" in response.content and b"alert(1)</script>" not in response.content


def test_the_overdue_list_names_each_persons_department_and_manager_and_a_dash_without_a_directory_entry(signed_in):
    client, _dpo = signed_in(Role.DPO)
    course = full_course(title="Phishing awareness")
    listed = ProfileFactory(user__full_name="Olga Overdue", department=DepartmentFactory(name="Logistics"),
                            manager=UserFactory(full_name="", email="boss@example.test")).user
    AssignmentFactory(user=listed, course=course, due_date="2020-01-01")
    AssignmentFactory(user=UserFactory(full_name="Nina Nodirectory"), course=course, due_date="2020-01-02")
    html = client.get(reverse("training:report")).content.decode()
    rows = html[html.index('id="overdue-list"'):].split("<tr>")
    olga = next(r for r in rows if "Olga Overdue" in r)
    nina = next(r for r in rows if "Nina Nodirectory" in r)
    assert "<td>Logistics</td><td>boss@example.test</td>" in olga  # a manager without a name, by address
    assert nina.count("<td>—</td>") == 2
