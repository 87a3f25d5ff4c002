"""A control owner signs in with TOTP, finds their control, records a review and sees the status change."""

import pytest

from controls.models import Control
from portal.accounts.roles import Role
from tests.conftest import totp_device_for
from tests.controls.factories import ControlFactory
from tests.e2e.conftest import artifacts_dir, sign_in_with_totp
from tests.factories import UserFactory


def shot(page, name: str) -> None:
    path = artifacts_dir() / f"control-review-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 5_000


@pytest.mark.django_db(transaction=True)
def test_a_control_owner_records_a_review_and_sees_the_status_change(page):
    owner = UserFactory(roles=[Role.SECURITY_OFFICER], email="owner@annex.test", full_name="Olga Owner")
    totp_device_for(owner)
    control = ControlFactory(
        reference="TOM-TRN-01", title="TLS 1.3 for all data in transit", owner=owner,
        status=Control.Status.VERIFIED, scc_category="protection_in_transmission",
        parameters={"tls_min_version": "1.3"},
    )
    ControlFactory(reference="TOM-BCK-01", title="Redundant encrypted backups", owner=UserFactory())

    sign_in_with_totp(page, owner)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Controls").click()
    page.wait_for_url("**/controls/**")
    page.get_by_label("Search").fill("TLS")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name="TOM-TRN-01").click()
    assert page.get_by_role("heading", name="TOM-TRN-01 · TLS 1.3 for all data in transit").is_visible()
    assert page.locator("#control-status").inner_text() == "Verified"
    # The parameter by its label, never its stored key.
    assert page.get_by_text("Minimum TLS version").first.is_visible()
    assert page.get_by_text("tls_min_version").count() == 0
    shot(page, "1-detail")

    page.get_by_role("link", name="Record review").click()
    page.get_by_label("Ineffective").check()
    page.get_by_label("Notes").fill("External scan found TLS 1.2 still offered on the legacy API gateway.")
    shot(page, "2-review-form")
    page.get_by_role("button", name="Record review").click()

    page.wait_for_url(f"**/controls/{control.pk}/")
    assert page.get_by_text("Review recorded: Ineffective.").is_visible()
    assert page.locator("#control-status").inner_text() == "Needs attention"
    assert page.get_by_role("cell", name="External scan found TLS 1.2").is_visible()
    shot(page, "3-needs-attention")
    control.refresh_from_db()
    assert control.status == Control.Status.NEEDS_ATTENTION
