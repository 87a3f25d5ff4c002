"""Employee training: the HR directory, courses with pages and a quiz, audiences, assignments and attempts."""

import calendar
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def add_months(day: date, months: int) -> date:
    """`day` plus whole calendar months; the 31st becomes the last day of a shorter month."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class Department(models.Model):
    """A department of the organisation, as the HR import names it."""

    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("department")

    def __str__(self) -> str:
        return self.name


class EmployeeProfile(models.Model):
    """The HR facts about one account: employee id, department, manager, hire and leaving dates."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="employee_profile")
    employee_id = models.CharField(_("employee id"), max_length=32, blank=True)
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="employees", verbose_name=_("department"))
    manager = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="direct_reports", verbose_name=_("manager"))
    hire_date = models.DateField(_("hire date"), null=True, blank=True)
    # Leavers are deactivated, never deleted; this date selects their training records for retention.
    leaving_date = models.DateField(_("leaving date"), null=True, blank=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    audit_masked_fields = {"employee_id", "hire_date", "leaving_date"}

    class Meta:
        ordering = ["user__full_name"]
        verbose_name = _("employee profile")
        constraints = [
            models.UniqueConstraint(fields=["employee_id"], condition=~Q(employee_id=""),
                                    name="training_profile_employee_id_unique"),
        ]

    def __str__(self) -> str:
        return str(self.user)

    def has_left(self, today: date | None = None) -> bool:
        return self.leaving_date is not None and self.leaving_date <= (today or timezone.localdate())


class Course(models.Model):
    """A course: pages to read, a quiz to pass, and how long a completion stays valid."""

    title = models.CharField(_("title"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    estimated_minutes = models.PositiveSmallIntegerField(_("estimated time (minutes)"), default=20)
    validity_months = models.PositiveSmallIntegerField(
        _("validity (months)"), default=12,
        help_text=_("A refresher is due this many months after completion; 0 = never."))
    pass_mark_percent = models.PositiveSmallIntegerField(_("pass mark (%)"), default=80)
    pool_size = models.PositiveSmallIntegerField(
        _("questions drawn per attempt"), default=0,
        help_text=_("0 asks every question; a smaller number draws that many at random from the pool."))
    due_days = models.PositiveSmallIntegerField(_("days to complete"), default=30)
    new_hire_days = models.PositiveSmallIntegerField(
        _("new-hire grace days"), default=14,
        help_text=_("A new hire's assignment is due this many days after the hire date."))
    is_published = models.BooleanField(_("published"), default=False)
    # The content version shown on certificates; completions of a version below retake_from_version no longer count.
    version = models.PositiveIntegerField(default=1)
    retake_from_version = models.PositiveIntegerField(default=1)
    revision = models.PositiveIntegerField(default=1)  # bumped on every save: concurrent edits are refused
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("course")
        permissions = [
            ("view_training_report", "Can see training reports and every employee's results"),
            ("manage_directory", "Can import and edit the employee directory"),
        ]

    def __str__(self) -> str:
        return self.title


class CoursePage(models.Model):
    """One page of a course, written in Markdown."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="pages")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("content (Markdown)"))

    class Meta:
        ordering = ["course", "position"]
        constraints = [models.UniqueConstraint(fields=["course", "position"], name="training_page_position_unique")]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    """A quiz question with one (single choice) or several (multiple choice) right answers."""

    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.SINGLE)
    text = models.TextField(_("question"))
    explanation = models.TextField(_("explanation"), blank=True)

    class Meta:
        ordering = ["course", "position"]

    def __str__(self) -> str:
        return self.text[:80]


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(_("answer"), max_length=300)
    is_correct = models.BooleanField(_("correct"), default=False)

    class Meta:
        ordering = ["question", "position"]

    def __str__(self) -> str:
        return self.text


class AudienceRule(models.Model):
    """Who must take a course: everyone, the holders of a role, or the members of a department."""

    class Kind(models.TextChoices):
        EVERYONE = "everyone", _("Everyone")
        ROLE = "role", _("Role")
        DEPARTMENT = "department", _("Department")

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="audience")
    kind = models.CharField(_("audience"), max_length=12, choices=Kind.choices)
    role = models.CharField(_("role"), max_length=50, blank=True)
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.CASCADE,
                                   verbose_name=_("department"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["course", "kind", "role", "department"], name="training_audience_unique"),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.ROLE:
            return f"{self.get_kind_display()}: {self.role}"
        if self.kind == self.Kind.DEPARTMENT:
            return f"{self.get_kind_display()}: {self.department}"
        return str(self.get_kind_display())


OPEN_STATUSES = ("assigned", "in_progress")


class Assignment(models.Model):
    """One employee's obligation to complete one course by a date (a first time, or a refresher)."""

    class Status(models.TextChoices):
        ASSIGNED = "assigned", _("Assigned")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")
        EXEMPT = "exempt", _("Exempt")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_assignments")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="assignments")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ASSIGNED)
    due_date = models.DateField(db_index=True)
    assigned_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    course_version = models.PositiveIntegerField(default=1)  # the version completed (or being taken)
    current_page = models.PositiveSmallIntegerField(default=0)  # where "Resume" opens
    score_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    exempt_reason = models.CharField(max_length=300, blank=True)
    certificate_sha256 = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        ordering = ["due_date", "pk"]
        constraints = [
            # At most one open assignment per person and course: a sweep run twice cannot add a second.
            models.UniqueConstraint(fields=["user", "course"], condition=Q(status__in=OPEN_STATUSES),
                                    name="training_one_open_assignment"),
        ]
        indexes = [
            models.Index(fields=["course", "status"], name="training_assignment_course_idx"),
            # The report's overdue list, a page at a time in due-date order: read in index order and stopped
            # after the page, not every open assignment joined and sorted (112 -> 0.2 ms at 25,000 assignments).
            models.Index(fields=["due_date", "id"], condition=Q(status__in=OPEN_STATUSES),
                         name="training_open_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.course} · {self.user}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def display_status(self, today: date | None = None) -> str:
        """The status an employee sees: an open assignment past its due date is overdue."""
        if self.is_open and self.due_date < (today or timezone.localdate()):
            return "overdue"
        return self.status


class QuizAttempt(models.Model):
    """One try at a course's quiz: the questions drawn, the answers given and the score."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="attempts")
    question_ids = models.JSONField(default=list)  # drawn when the attempt starts, so a reload asks the same
    answers = models.JSONField(default=dict, blank=True)  # question id -> list of choice ids
    score_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    passed = models.BooleanField(default=False)
    started_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.assignment} · {self.started_at:%Y-%m-%d %H:%M}"


class EvidenceSnapshot(models.Model):
    """The monthly completion figure attached to the awareness control; one per month."""

    month = models.DateField(unique=True)  # the first day of the month
    completion_percent = models.DecimalField(max_digits=5, decimal_places=1)
    completed = models.PositiveIntegerField()
    total = models.PositiveIntegerField()
    evidence_id = models.PositiveBigIntegerField(null=True, blank=True)  # controls.Evidence, when the control exists
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}: {self.completion_percent} %"
