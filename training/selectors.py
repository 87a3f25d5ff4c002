"""Reads of employee training, scoped to the user who asks."""

from datetime import date, datetime, timedelta

from django.db.models import CharField, Count, F, Q, Value
from django.db.models.functions import Coalesce, NullIf, TruncMonth
from django.utils import formats, timezone

from training.models import OPEN_STATUSES, Assignment, Course, EmployeeProfile

UPCOMING_DAYS = 60  # a refresher further away than this is listed as "later", not as due


def my_assignments(user):
    """The signed-in employee's own assignments, and nobody else's."""
    return Assignment.objects.filter(user=user).select_related("course")


def my_training(user, today: date | None = None) -> dict:
    """What is due now, the refreshers further away, and what was completed (one query)."""
    today = today or timezone.localdate()
    due, later, done = [], [], []
    for assignment in my_assignments(user).exclude(status=Assignment.Status.EXEMPT).order_by("due_date", "pk"):
        if assignment.status == Assignment.Status.COMPLETED:
            done.append(assignment)
        elif assignment.due_date > today + timedelta(days=UPCOMING_DAYS) and assignment.status == "assigned":
            later.append(assignment)
        else:
            due.append(assignment)
    done.sort(key=lambda a: a.completed_at, reverse=True)
    return {"due": due, "later": later, "done": done, "today": today}


def courses_for_authors():
    return Course.objects.annotate(page_count=Count("pages", distinct=True),
                                   question_count=Count("questions", distinct=True)).order_by("title")


def directory(search: str = ""):
    """The employee directory with each person's department and manager (one query)."""
    profiles = EmployeeProfile.objects.select_related("user", "department", "manager").order_by(
        "user__full_name", "pk")
    if search:
        profiles = profiles.filter(Q(user__full_name__icontains=search) | Q(user__email__icontains=search)
                                   | Q(employee_id__iexact=search) | Q(department__name__icontains=search))
    return profiles


def _counting():
    """Assignments of active people, exemptions apart: the base of every completion figure."""
    return Assignment.objects.filter(user__is_active=True).exclude(status=Assignment.Status.EXEMPT).order_by()


def _rate(done: int, people: int) -> float | None:
    return round(100 * done / people, 1) if people else None


def rate_text(rate) -> str:
    """A completion rate as the active language writes it (33.3 in English, 33,3 in German); a dash for none."""
    return "—" if rate is None else formats.number_format(rate)


# The keys and labels a completion row is summed by, per dimension.
DIMENSIONS = {
    "course": ("course_id", "course__title"),
    "department": ("user__employee_profile__department_id", "user__employee_profile__department__name"),
    "manager": ("user__employee_profile__manager_id", "user__employee_profile__manager__full_name"),
}


def completion_rows(today: date | None = None) -> list[dict]:
    """One grouped query over (course, department, manager): people assigned, people with a completion that still
    counts, overdue assignments. Each person has one department and one manager, so summing these rows per
    course, department or manager counts every (person, course) pair once."""
    today = today or timezone.localdate()
    columns = [name for pair in DIMENSIONS.values() for name in pair]
    return list(
        _counting().values(*columns)
        .annotate(
            people=Count("user", distinct=True),
            completed=Count("user", distinct=True, filter=Q(status=Assignment.Status.COMPLETED,
                                                            course_version__gte=F("course__retake_from_version"))),
            overdue=Count("pk", filter=Q(status__in=OPEN_STATUSES, due_date__lt=today)),
        )
    )


def completion_by(dimension: str, today: date | None = None, rows: list[dict] | None = None) -> list[dict]:
    """Completion per course, department or manager, summed from `completion_rows` (read here when not given)."""
    key, label = DIMENSIONS[dimension]
    rows = completion_rows(today) if rows is None else rows
    totals: dict = {}
    for row in rows:
        entry = totals.setdefault(row[key], {"label": row[label] or "—", "people": 0, "completed": 0, "overdue": 0})
        for name in ("people", "completed", "overdue"):
            entry[name] += row[name]
    result = sorted(totals.values(), key=lambda e: str(e["label"]))
    for entry in result:
        entry["rate"] = _rate(entry["completed"], entry["people"])
    return result


def completion_overall(today: date | None = None, rows: list[dict] | None = None) -> dict:
    """The organisation's completion rate: (person, course) pairs with a completion that still counts.
    `rows` are per-course totals (`completion_by("course")`) when the caller has them."""
    rows = completion_by("course", today) if rows is None else rows
    people = sum(r["people"] for r in rows)
    done = sum(r["completed"] for r in rows)
    return {"people": people, "completed": done, "overdue": sum(r["overdue"] for r in rows),
            "rate": _rate(done, people)}


def overdue_list(today: date | None = None, limit: int | None = 500):
    """Open assignments past their due date, the longest overdue first (all of them with `limit=None`), each with
    its person's `department_name` and `manager_name` (None for someone without a directory entry: read through
    `user.employee_profile`, such a person would raise on every row)."""
    today = today or timezone.localdate()
    overdue = (_counting().filter(status__in=OPEN_STATUSES, due_date__lt=today)
               .select_related("course", "user")
               .annotate(department_name=F("user__employee_profile__department__name"),
                         manager_name=Coalesce(NullIf("user__employee_profile__manager__full_name", Value("")),
                                               "user__employee_profile__manager__email", output_field=CharField()))
               .order_by("due_date", "pk"))
    return overdue if limit is None else overdue[:limit]


def completion_trend(months: int = 12, today: date | None = None) -> list[dict]:
    """Completions per calendar month over the last `months` months, oldest first (one query)."""
    today = today or timezone.localdate()
    first = date(today.year, today.month, 1)
    for _i in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    start = timezone.make_aware(datetime(first.year, first.month, 1))
    counts = dict(
        Assignment.objects.filter(status=Assignment.Status.COMPLETED, completed_at__gte=start).order_by()
        .annotate(month=TruncMonth("completed_at")).values_list("month").annotate(n=Count("pk"))
    )
    counts = {timezone.localdate(k) if hasattr(k, "hour") else k: v for k, v in counts.items()}
    result, month = [], first
    for _i in range(months):
        result.append({"month": month, "completed": counts.get(month, 0)})
        month = (month + timedelta(days=32)).replace(day=1)
    return result


def report(today: date | None = None, *, overdue_limit: int | None = 500) -> dict:
    """Everything the training report shows: its figures (report_figures) and the overdue list (the first
    `overdue_limit`, or the queryset for a pager with None)."""
    today = today or timezone.localdate()
    overdue = overdue_list(today, limit=overdue_limit)
    return {**report_figures(today), "overdue": overdue if overdue_limit is None else list(overdue)}


def report_figures(today: date | None = None) -> dict:
    """Completion overall, by course, department and manager (one grouped query), and the trend (one query)."""
    today = today or timezone.localdate()
    rows = completion_rows(today)
    by_course = completion_by("course", rows=rows)
    return {
        "today": today,
        "overall": completion_overall(today, by_course),
        "by_course": by_course,
        "by_department": completion_by("department", rows=rows),
        "by_manager": completion_by("manager", rows=rows),
        "trend": completion_trend(12, today),
    }
