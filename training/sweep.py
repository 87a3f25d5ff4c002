"""The assignment sweep: who must take which course, by when. Idempotent, and a constant number of queries.

For every published course and every active employee in its audience (everyone, a role, a department):
- an open assignment (assigned or in progress) is left as it is;
- else, a completion that still counts (its version is at least the course's `retake_from_version`) means
  a refresher is due `validity_months` after it (never, for validity 0);
- else an exemption stands;
- else a new assignment is due `new_hire_days` after the hire date for a new hire, or `due_days` from today.
The one-open-assignment constraint makes a concurrent second run insert nothing.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from portal.accounts.models import User
from portal.audit.services import audit_record
from training.audit_actions import TrainingAction
from training.models import OPEN_STATUSES, Assignment, AudienceRule, Course, add_months

CHUNK = 5000  # people per chunk: about 25,000 assignments in memory at most with five courses


@dataclass
class SweepResult:
    created: int = 0
    by_course: dict[str, int] = field(default_factory=dict)
    dry_run: bool = False


def _audiences() -> tuple[list[Course], dict[int, list[AudienceRule]]]:
    courses = list(Course.objects.filter(is_published=True).order_by("pk"))
    rules: dict[int, list[AudienceRule]] = defaultdict(list)
    for rule in AudienceRule.objects.filter(course__in=courses):
        rules[rule.course_id].append(rule)
    return courses, rules


def _in_audience(rules: list[AudienceRule], roles: set[str], department_id: int | None) -> bool:
    for rule in rules:
        if rule.kind == AudienceRule.Kind.EVERYONE:
            return True
        if rule.kind == AudienceRule.Kind.ROLE and rule.role in roles:
            return True
        if rule.kind == AudienceRule.Kind.DEPARTMENT and department_id and rule.department_id == department_id:
            return True
    return False


def due_date_for(course: Course, *, hire_date: date | None, today: date) -> date:
    """A new hire has `new_hire_days` from the hire date; everyone else `due_days` from today."""
    if hire_date is not None:
        new_hire_due = hire_date + timedelta(days=course.new_hire_days)
        if new_hire_due >= today:
            return new_hire_due
    return today + timedelta(days=course.due_days)


def _plan(courses: list[Course], rules: dict[int, list[AudienceRule]], people: list[tuple],
          today: date) -> tuple[list[Assignment], dict[str, int]]:
    """The missing assignments of one chunk of people (sorted by id): five queries, whatever the chunk holds."""
    ids = [pk for pk, _d, _h in people]
    scope = {"user_id__gte": ids[0], "user_id__lte": ids[-1]}
    roles: dict[int, set[str]] = defaultdict(set)
    for user_id, name in User.groups.through.objects.filter(**scope).values_list("user_id", "group__name"):
        roles[user_id].add(name)
    by_course = {c.pk: c for c in courses}
    assignments = Assignment.objects.filter(course_id__in=list(by_course), **scope).order_by()
    open_pairs = set(assignments.filter(status__in=OPEN_STATUSES).values_list("user_id", "course_id"))
    exempt_pairs = set(assignments.filter(status=Assignment.Status.EXEMPT).values_list("user_id", "course_id"))
    completions: dict[tuple[int, int], date] = {}
    for user_id, course_id, version, last in (
        assignments.filter(status=Assignment.Status.COMPLETED)
        .values_list("user_id", "course_id", "course_version").annotate(last=Max("completed_at"))
    ):
        if version < by_course[course_id].retake_from_version:
            continue
        day = timezone.localdate(last)
        key = (user_id, course_id)
        if key not in completions or completions[key] < day:
            completions[key] = day
    new, counts = [], defaultdict(int)
    for user_id, department_id, hire_date in people:
        for course in courses:
            key = (user_id, course.pk)
            if key in open_pairs or not _in_audience(rules[course.pk], roles[user_id], department_id):
                continue
            if key in completions:
                if not course.validity_months:
                    continue
                due = add_months(completions[key], course.validity_months)
            elif key in exempt_pairs:
                continue
            else:
                due = due_date_for(course, hire_date=hire_date, today=today)
            new.append(Assignment(user_id=user_id, course_id=course.pk, due_date=due, course_version=course.version))
            counts[course.title] += 1
    return new, counts


def assignments_sweep(*, today: date | None = None, dry_run: bool = False,
                      user_ids: list[int] | None = None) -> SweepResult:
    """Create every assignment that is due and missing; a second run creates nothing.

    People are taken in chunks of CHUNK (by id), so memory stays flat however many there are; each chunk
    is its own transaction, and the one-open-assignment constraint keeps a concurrent run from doubling any.
    """
    today = today or timezone.localdate()
    result = SweepResult(dry_run=dry_run)
    courses, rules = _audiences()
    courses = [c for c in courses if rules.get(c.pk)]
    if not courses:
        return result
    users = User.objects.filter(is_active=True).exclude(employee_profile__leaving_date__lte=today)
    if user_ids is not None:
        users = users.filter(pk__in=user_ids)
    people = list(users.order_by("pk").values_list("pk", "employee_profile__department_id",
                                                    "employee_profile__hire_date"))
    counts: dict[str, int] = defaultdict(int)
    for start in range(0, len(people), CHUNK):
        new, chunk_counts = _plan(courses, rules, people[start:start + CHUNK], today)
        for title, n in chunk_counts.items():
            counts[title] += n
        if dry_run or not new:
            result.created += len(new)
            continue
        with transaction.atomic():
            result.created += len(Assignment.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True))
    result.by_course = dict(counts)
    if result.created and not dry_run:
        with transaction.atomic():
            audit_record(action=TrainingAction.ASSIGNMENTS_SWEPT, actor=None, target_type="training.assignment",
                         target_label="Training assignments",
                         changes={"created": result.created, "by_course": result.by_course,
                                  "scope": "users" if user_ids is not None else "all"})
    return result


def assignments_sync_users(*, user_ids: list[int], today: date | None = None) -> SweepResult:
    """The sweep for a few people: on hire, and on a change of role or department."""
    return assignments_sweep(today=today, user_ids=list(user_ids))


def assignments_on_roles_changed(user_id: int) -> None:
    """A role given (by an administrator, or with an accepted invitation) brings the courses of that role at once,
    once the change is committed; the nightly sweep would catch it too."""
    from training.tasks import assignments_sync_users_task

    transaction.on_commit(lambda: assignments_sync_users_task.delay([user_id]))

