"""The training report as export jobs: a PDF and an XLSX workbook with completion by course, department and
manager, the overdue list and the trend; for the report's readers only."""

import io
from datetime import UTC, datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from openpyxl import load_workbook

from portal.accounts.roles import Role
from portal.exports import storage
from portal.exports.models import ExportJob
from portal.exports.registry import ALL_SUBJECTS
from portal.exports.services import export_job_run, export_request
from tests.exports.conftest import pdf_text
from tests.factories import UserFactory
from tests.training.factories import AssignmentFactory, DepartmentFactory, ProfileFactory, full_course
from training.exports import REPORT_PDF, REPORT_XLSX
from training.models import Assignment

pytestmark = pytest.mark.django_db


def _world():
    course = full_course(title="Data protection principles")
    boss = UserFactory(full_name="Mara Manager")
    support = DepartmentFactory(name="Customer Support")
    done = ProfileFactory(department=support, manager=boss, user=UserFactory(full_name="Dora Done"))
    late = ProfileFactory(department=support, manager=boss, user=UserFactory(full_name="Lars Late"))
    AssignmentFactory(user=done.user, course=course, status=Assignment.Status.COMPLETED,
                      completed_at="2026-01-10T10:00Z", score_percent=100)
    AssignmentFactory(user=late.user, course=course, due_date="2020-01-01")


def _file(kind: str, actor) -> bytes:
    job = export_job_run(job_id=export_request(kind_name=kind, subject_key=ALL_SUBJECTS, actor=actor).pk)
    assert job.status == ExportJob.Status.DONE, job.error
    return storage.read_document(job.file_path, purpose=storage.job_purpose(job))


def test_the_xlsx_holds_completion_by_course_department_and_manager_the_overdue_list_and_the_trend():
    _world()
    book = load_workbook(io.BytesIO(_file(REPORT_XLSX, UserFactory(roles=[Role.AUDITOR]))), read_only=True)
    assert book.sheetnames[:5] == ["By course", "By department", "By manager", "Overdue", "Trend"]
    by_course = list(book["By course"].iter_rows(values_only=True))
    assert by_course[0] == ("Name", "Assigned", "Completed", "Overdue", "Completion %")
    assert by_course[1] == ("Data protection principles", 2, 1, 1, 50.0)
    assert list(book["By department"].iter_rows(values_only=True))[1] == ("Customer Support", 2, 1, 1, 50.0)
    assert list(book["By manager"].iter_rows(values_only=True))[1] == ("Mara Manager", 2, 1, 1, 50.0)
    overdue = list(book["Overdue"].iter_rows(values_only=True))
    assert [row[0] for row in overdue[1:]] == ["Lars Late"]
    assert len(list(book["Trend"].iter_rows(values_only=True))) == 13  # header and twelve months


def test_the_pdf_shows_the_same_figures():
    _world()
    text = pdf_text(_file(REPORT_PDF, UserFactory(roles=[Role.DPO])))
    for expected in ("Training report", "Data protection principles", "Customer Support", "Mara Manager",
                     "Lars Late", "50.0 %"):
        assert expected in text, expected


def test_an_employee_cannot_request_the_report():
    _world()
    with pytest.raises(PermissionDenied):
        export_request(kind_name=REPORT_XLSX, subject_key=ALL_SUBJECTS, actor=UserFactory(roles=[Role.EMPLOYEE]))


def test_a_german_reader_gets_the_pdf_with_german_dates_and_numbers(settings):
    settings.LANGUAGE_CODE = "en"
    _world()
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False):
        text = pdf_text(_file(REPORT_PDF, UserFactory(roles=[Role.DPO], language="de")))
    for expected in ("Stand 02.03.2026", "50,0 %", "01.01.2020", "Januar 2026", "März 2026"):
        assert expected in text, expected
    assert "2026-03" not in text and "2020-01-01" not in text


def test_with_nobody_assigned_the_pdf_says_so_instead_of_a_rate():
    text = pdf_text(_file(REPORT_PDF, UserFactory(roles=[Role.DPO], language="de")))
    assert "Bisher ist niemandem eine Schulung zugewiesen" in text
    assert "None" not in text
