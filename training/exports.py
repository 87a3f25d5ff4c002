"""Export kinds of employee training, registered with the exports backbone (portal.exports.registry).

- The certificate of one completed course: name, course, version, date, score and a verification hash whose
  /verify/ page confirms it. The hash is of the certificate's content and is stored on the completion.
- The training report as a PDF and as an XLSX workbook.
"""

from datetime import date
from typing import BinaryIO

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core.spreadsheet import safe_cell, typed_cell
from portal.exports.registry import ALL_SUBJECTS, ExportKind, register
from portal.exports.rendering import content_sha256
from training.models import Assignment

CERTIFICATE = "training.certificate"
REPORT_PDF = "training.report_pdf"
REPORT_XLSX = "training.report_xlsx"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _certificate_content(assignment: Assignment) -> dict:
    return {
        "title": "Training certificate",
        "subject_label": assignment.user.full_name or assignment.user.email,
        "subject_key": str(assignment.pk),
        "name": assignment.user.full_name,
        "email": assignment.user.email,
        "course": assignment.course.title,
        "version": assignment.course_version,
        "completed_on": timezone.localdate(assignment.completed_at).isoformat(),
        "score_percent": assignment.score_percent,
        "pass_mark_percent": assignment.course.pass_mark_percent,
        "assignment": assignment.pk,
    }


def certificate_sha256(assignment: Assignment) -> str:
    return content_sha256(_certificate_content(assignment))


def certificate_snapshot(subject_key: str, user) -> dict:
    """The certificate of the requesting user's own completion `subject_key`."""
    assignment = (Assignment.objects.select_related("course", "user")
                  .filter(pk=int(subject_key) if subject_key.isdigit() else 0, user=user,
                          status=Assignment.Status.COMPLETED).first())
    if assignment is None:
        raise LookupError(f"no completed training {subject_key!r} for this user")
    return _certificate_content(assignment)


def certificate_verify(sha256: str) -> dict | None:
    """What the public /verify/ page may say about a certificate fingerprint."""
    assignment = (Assignment.objects.select_related("course", "user")
                  .filter(certificate_sha256=sha256, status=Assignment.Status.COMPLETED).first())
    if assignment is None:
        return None
    return {
        "title": _("Training certificate"),
        "facts": [
            (_("Employee"), assignment.user.full_name),
            (_("Course"), assignment.course.title),
            (_("Version"), assignment.course_version),
            (_("Completed"), timezone.localdate(assignment.completed_at)),
            (_("Score"), "—" if assignment.score_percent is None else f"{assignment.score_percent} %"),
        ],
    }


register(ExportKind(
    name=CERTIFICATE,
    label=gettext_lazy("Training certificate"),
    template="training/certificate.html",
    snapshot=certificate_snapshot,
    # Certificates are made from the employee's own completed training, never chosen from the exports list.
    subjects=lambda: [],
    permission="training.view_assignment",
    per_user=True,
    verifier=certificate_verify,
    description=gettext_lazy("The certificate of a completed course, with its verification link."),
))


def report_snapshot(subject_key: str) -> dict:
    from training.selectors import report

    if subject_key != ALL_SUBJECTS:
        raise LookupError(subject_key)
    data = report()

    def rows(entries):
        return [{"label": str(e["label"]), "people": e["people"], "completed": e["completed"],
                 "overdue": e["overdue"], "rate": e["rate"]} for e in entries]

    return {
        "title": "Training report",
        "subject_label": "All courses",
        "subject_key": ALL_SUBJECTS,
        "as_of": data["today"].isoformat(),
        "overall": data["overall"],
        "by_course": rows(data["by_course"]),
        "by_department": rows(data["by_department"]),
        "by_manager": rows(data["by_manager"]),
        "overdue": [{"employee": a.user.full_name, "email": a.user.email, "course": a.course.title,
                     "due_date": a.due_date.isoformat()} for a in data["overdue"]],
        "trend": [{"month": t["month"].strftime("%Y-%m"), "completed": t["completed"]} for t in data["trend"]],
    }


def _report_subjects():
    return [(ALL_SUBJECTS, _("All courses"))]


def report_xlsx_write(kind, content: dict, target: BinaryIO, progress) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for name, key in ((_("By course"), "by_course"), (_("By department"), "by_department"),
                      (_("By manager"), "by_manager")):
        sheet = book.create_sheet(name)
        sheet.append([_("Name"), _("Assigned"), _("Completed"), _("Overdue"), _("Completion %")])
        for row in content[key]:
            sheet.append([safe_cell(row["label"]), row["people"], row["completed"], row["overdue"], row["rate"]])
    sheet = book.create_sheet(_("Overdue"))
    sheet.append([_("Employee"), _("Email"), _("Course"), _("Due date")])
    for row in content["overdue"]:
        sheet.append([safe_cell(row["employee"]), safe_cell(row["email"]), safe_cell(row["course"]),
                      typed_cell(sheet, date.fromisoformat(row["due_date"]), translation.get_language())])
    sheet = book.create_sheet(_("Trend"))
    sheet.append([_("Month"), _("Completed")])
    for row in content["trend"]:
        sheet.append([row["month"], row["completed"]])
    progress(70)
    book.save(target)


register(ExportKind(
    name=REPORT_PDF,
    label=gettext_lazy("Training report (PDF)"),
    template="training/report.html",
    snapshot=report_snapshot,
    subjects=_report_subjects,
    permission="training.view_training_report",
    description=gettext_lazy("Completion by course, department and manager, the overdue list and the trend."),
))
register(ExportKind(
    name=REPORT_XLSX,
    label=gettext_lazy("Training report (Excel)"),
    template="",
    snapshot=report_snapshot,
    subjects=_report_subjects,
    permission="training.view_training_report",
    writer=report_xlsx_write,
    extension="xlsx",
    content_type=XLSX_CONTENT_TYPE,
    description=gettext_lazy("The training report as an Excel workbook."),
))
