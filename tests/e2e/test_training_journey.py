"""An employee signs in with TOTP, completes a course and its quiz on a phone-sized screen, downloads the
certificate; the DPO then sees the completion in the training report, with the chart drawn under the CSP."""

import pytest

from portal.accounts.roles import Role
from tests.conftest import totp_device_for
from tests.e2e.conftest import artifacts_dir, sign_in_with_totp
from tests.factories import UserFactory
from tests.training.factories import ProfileFactory
from training.models import Assignment
from training.starter_courses import starter_courses_load
from training.sweep import assignments_sweep


def shot(page, name: str) -> None:
    path = artifacts_dir() / f"training-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 5_000


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.django_db(transaction=True)
def test_an_employee_completes_a_course_and_the_dpo_sees_it_in_the_report(browser, live_server):
    employee = UserFactory(roles=[Role.EMPLOYEE], email="erin@annex.test", full_name="Erin Employee")
    totp_device_for(employee)
    ProfileFactory(user=employee)
    dpo = UserFactory(roles=[Role.DPO], email="dana@annex.test", full_name="Dana DPO")
    totp_device_for(dpo)
    starter_courses_load()
    assignments_sweep()
    assignment = Assignment.objects.get(user=employee, course__title="Data protection principles")
    course = assignment.course

    phone = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    page = phone.new_page()
    page.set_default_timeout(15_000)
    sign_in_with_totp(page, employee)
    page.goto("/training/")
    assert page.get_by_role("heading", name="My training").is_visible()
    assert no_sideways_scroll(page)
    shot(page, "1-my-training-phone")
    page.get_by_role("link", name="Data protection principles").first.click()
    page.locator("#resume").click()
    for _ in range(course.pages.count()):
        assert no_sideways_scroll(page)
        page.locator("#next-page").click()
    shot(page, "2-pages-read")
    page.get_by_role("button", name="Take the quiz").click()
    for question in course.questions.prefetch_related("choices"):
        for choice in question.choices.all():
            if choice.is_correct:
                page.locator(f"input[name='q{question.pk}'][value='{choice.pk}']").check()
    assert no_sideways_scroll(page)
    page.locator("#submit-quiz").click()
    assert "100 %" in page.locator("#quiz-result").inner_text()
    shot(page, "3-quiz-result")
    with page.expect_download() as download:
        page.locator("#certificate").click()
    path = download.value.path()
    with open(path, "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    phone.close()

    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.COMPLETED

    desk = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = desk.new_page()
    page.set_default_timeout(15_000)
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in_with_totp(page, dpo)
    page.goto("/training/report/")
    row = page.locator("table").filter(has_text="Completion by course").locator("tr").filter(
        has_text="Data protection principles")
    assert "50.0 %" in row.inner_text()  # the employee of the two people assigned (the DPO is assigned too)
    assert page.locator("img#training-trend").evaluate("img => img.complete && img.naturalWidth > 0")
    assert not [e for e in errors if "Content Security Policy" in e]
    shot(page, "4-report")
    desk.close()
