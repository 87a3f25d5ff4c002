"""Audit actions of employee training (registered with portal.audit.registry)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.audit.registry import register_actions


@register_actions
class TrainingAction(models.TextChoices):
    DIRECTORY_IMPORTED = "training.directory_imported", _("Employee directory imported")
    LEAVER_PROCESSED = "training.leaver_processed", _("Leaver deactivated and their open training closed")
    COURSE_CREATED = "training.course_created", _("Course created")
    COURSE_UPDATED = "training.course_updated", _("Course updated")
    COURSE_PAGE_SAVED = "training.page_saved", _("Course page saved")
    COURSE_QUESTION_SAVED = "training.question_saved", _("Quiz question saved")
    COURSE_AUDIENCE_CHANGED = "training.audience_changed", _("Course audience changed")
    ASSIGNMENTS_SWEPT = "training.assignments_swept", _("Training assignment sweep created or renewed assignments")
    ASSIGNMENT_EXEMPTED = "training.assignment_exempted", _("Training assignment exempted")
    QUIZ_SUBMITTED = "training.quiz_submitted", _("Quiz submitted")
    COURSE_COMPLETED = "training.course_completed", _("Course completed")
    CERTIFICATE_DOWNLOADED = "training.certificate_downloaded", _("Training certificate downloaded")
    REPORT_EXPORTED = "training.report_exported", _("Training report exported")
    EVIDENCE_SNAPSHOT = "training.evidence_snapshot", _("Monthly training evidence attached to the awareness control")
