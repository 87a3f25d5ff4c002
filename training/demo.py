"""Demo data for employee training: the two starter courses, three departments with managers, employees with
completed, due and overdue training, and one employee hired two days ago.

Idempotent: a second run changes nothing.
"""

from datetime import timedelta

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from portal.accounts.demo import DEMO_DOMAIN
from portal.accounts.models import User
from portal.accounts.roles import Role
from training.evidence import evidence_snapshot_monthly
from training.exports import certificate_sha256
from training.models import Assignment, Department, EmployeeProfile, QuizAttempt, add_months
from training.starter_courses import starter_courses_load
from training.sweep import assignments_sweep

# local part, name, department, manager (local part), employee id, days since hire, training state
DEMO_EMPLOYEES = [
    ("support.lead", "Lena Lindgren", "Customer Support", "dpo", "E-2001", 2100, "completed"),
    ("engineering.lead", "Omar Okafor", "Engineering", "dpo", "E-2002", 1900, "completed"),
    ("ops.lead", "Priya Patel", "Operations", "dpo", "E-2003", 1700, "completed"),
    ("support.one", "Tom Becker", "Customer Support", "support.lead", "E-2011", 900, "completed"),
    ("support.two", "Aylin Demir", "Customer Support", "support.lead", "E-2012", 600, "overdue"),
    ("engineering.one", "Jonas Richter", "Engineering", "engineering.lead", "E-2021", 800, "in_progress"),
    ("engineering.two", "Mia Schulz", "Engineering", "engineering.lead", "E-2022", 500, "overdue"),
    ("ops.one", "Luca Rossi", "Operations", "ops.lead", "E-2031", 700, "due"),
    ("ops.new", "Nora Neumann", "Operations", "ops.lead", "E-2032", 2, "new"),
]
# These read Annex in German (pages, reminders, their certificates); everyone else follows the browser.
DEMO_GERMAN_SPEAKERS = {"support.one", "engineering.one", "engineering.two", "ops.new"}
# The demo accounts of portal.accounts get profiles too: the employee is in Customer Support.
ACCOUNT_PROFILES = [
    ("admin", "Operations", None, "E-1001", "completed"),
    ("dpo", "Operations", None, "E-1002", "completed"),
    ("security", "Engineering", "dpo", "E-1003", "completed"),
    ("responder", "Engineering", "security", "E-1004", "completed"),
    ("employee", "Customer Support", "support.lead", "E-1005", "one_done"),
    ("auditor", "Operations", "dpo", "E-1006", "due"),
    ("dsb", "Operations", "dpo", "E-1007", "completed"),
]


def _email(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


@transaction.atomic
def seed(stdout=None) -> None:
    if EmployeeProfile.objects.filter(employee_id="E-2001").exists():
        return
    today = timezone.localdate()
    courses = starter_courses_load() or []
    departments = {name: Department.objects.get_or_create(name=name)[0]
                   for name in ("Customer Support", "Engineering", "Operations")}
    people: dict[str, User] = {u.email.split("@")[0]: u for u in User.objects.filter(email__endswith=DEMO_DOMAIN)}
    states: dict[int, str] = {}
    for local, name, dept, _manager, emp_id, days, state in DEMO_EMPLOYEES:
        user = people.get(local)
        if user is None:
            german = local in DEMO_GERMAN_SPEAKERS
            user = User.objects.create_user(email=_email(local), password=None, full_name=name,
                                            language="de" if german else "",
                                            time_zone="Europe/Berlin" if german else "")
            user.groups.add(*Group.objects.filter(name=Role.EMPLOYEE))
            people[local] = user
        EmployeeProfile.objects.get_or_create(user=user, defaults={
            "employee_id": emp_id, "department": departments[dept], "hire_date": today - timedelta(days=days)})
        states[user.pk] = state
    for local, dept, _manager, emp_id, state in ACCOUNT_PROFILES:
        user = people.get(local)
        if user is None:
            continue
        EmployeeProfile.objects.get_or_create(user=user, defaults={
            "employee_id": emp_id, "department": departments[dept], "hire_date": user.hire_date})
        states[user.pk] = state
    for local, _n, _d, manager, *_rest in DEMO_EMPLOYEES:
        EmployeeProfile.objects.filter(user=people[local]).update(manager=people.get(manager))
    for local, _d, manager, *_rest in ACCOUNT_PROFILES:
        if local in people and manager:
            EmployeeProfile.objects.filter(user=people[local]).update(manager=people.get(manager))
    # Months ago everyone but the new hire was assigned and most completed; then today's sweep renews.
    assignments_sweep(today=today - timedelta(days=365), user_ids=[pk for pk, s in states.items() if s != "new"])
    for assignment in Assignment.objects.filter(user_id__in=states).select_related("course", "user"):
        _shape(assignment, states[assignment.user_id], today)
    assignments_sweep(today=today)
    evidence_snapshot_monthly(today=today)
    if stdout is not None:
        stdout.write(f"Training: {len(courses)} starter course(s), {len(states)} employees with training records.")


def _shape(assignment: Assignment, state: str, today) -> None:
    """Make the sweep's fresh assignment completed, in progress, overdue or due, as the demo person needs."""
    course = assignment.course
    first = course.title.startswith("Data protection")
    if state == "completed" or (state == "one_done" and first):
        # Spread over the past year, so the report's trend has a shape; a refresher is at least three weeks off.
        done = today - timedelta(days=20 + (37 * assignment.user_id + 101 * assignment.course_id) % 320)
        _complete(assignment, done)
        return
    if state == "overdue":
        assignment.due_date = today - timedelta(days=9 if first else 3)
    elif state == "in_progress":
        assignment.status, assignment.current_page = Assignment.Status.IN_PROGRESS, 1
        assignment.started_at = timezone.now() - timedelta(days=2)
        assignment.due_date = today + timedelta(days=6)
    else:
        assignment.due_date = today + timedelta(days=13 if first else 20)
    assignment.save()


def _complete(assignment: Assignment, day) -> None:
    moment = timezone.make_aware(timezone.datetime(day.year, day.month, day.day, 10, 0))
    questions = list(assignment.course.questions.values_list("pk", flat=True))
    QuizAttempt.objects.create(assignment=assignment, question_ids=questions, score_percent=100, passed=True,
                               started_at=moment - timedelta(minutes=5), submitted_at=moment)
    assignment.status, assignment.completed_at, assignment.score_percent = Assignment.Status.COMPLETED, moment, 100
    assignment.started_at, assignment.current_page = moment - timedelta(minutes=25), assignment.course.pages.count()
    assignment.certificate_sha256 = certificate_sha256(assignment)
    assignment.save()
    Assignment.objects.create(user_id=assignment.user_id, course=assignment.course, course_version=1,
                              due_date=add_months(day, assignment.course.validity_months))
