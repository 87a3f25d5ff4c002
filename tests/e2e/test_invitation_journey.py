"""A new person joins through an invitation, sets up TOTP, and signs in again with a code."""

import base64
import time

import pytest
from django_otp.oath import totp

from portal.accounts import services
from portal.accounts.roles import Role
from tests.e2e.conftest import artifacts_dir
from tests.factories import UserFactory

PASSWORD = "a long and unusual passphrase 7"


def code_from_secret(secret: str, *, steps_ahead: int = 0) -> str:
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{totp(key, step=30, t0=0, digits=6, drift=steps_ahead):06d}"


def shot(page, name: str) -> None:
    path = artifacts_dir() / f"invitation-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 5_000


@pytest.mark.django_db(transaction=True)
def test_an_invited_person_joins_enrols_totp_and_signs_in_again_with_a_code(page):
    admin = UserFactory(roles=[Role.ADMIN])
    _, token = services.invitation_create(actor=admin, email="newcomer@annex.test", full_name="Nova Newcomer",
                                          roles=[Role.EMPLOYEE])

    # The link: choose a password.
    page.goto(f"/account/invitation/{token}/")
    assert page.get_by_role("heading", name="Welcome, Nova Newcomer").is_visible()
    page.get_by_label("Password").first.fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    shot(page, "1-set-password")
    page.get_by_role("button", name="Set password").click()

    # Straight on to TOTP enrolment; the manual key gives the code an app would show.
    page.wait_for_url("**/account/mfa/enrol/**")
    secret = page.get_by_test_id("totp-secret").inner_text().strip()
    shot(page, "2-enrol")
    page.get_by_role("textbox", name="Authentication code").fill(code_from_secret(secret))
    page.get_by_role("button", name="Turn on two-factor authentication").click()

    # Backup codes, shown once.
    codes = page.get_by_test_id("backup-codes").locator("li")
    assert codes.count() == 10
    shot(page, "3-backup-codes")
    page.get_by_role("link", name="I have saved my backup codes").click()

    # The dashboard.
    assert page.get_by_role("heading", name="Welcome, Nova").is_visible()
    shot(page, "4-dashboard")
    page.get_by_role("button", name="Sign out").click()

    # Second sign-in: password, then the code is asked for.
    page.wait_for_url("**/account/login/**")
    page.get_by_label("Email address").fill("newcomer@annex.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url("**/account/mfa/verify/**")
    assert page.get_by_role("heading", name="Enter your authentication code").is_visible()

    valid = {code_from_secret(secret, steps_ahead=s) for s in (-1, 0, 1)}
    wrong = next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)
    page.get_by_role("textbox", name="Authentication code").fill(wrong)
    page.get_by_role("button", name="Verify").click()
    assert page.get_by_text("That code is not valid").is_visible()
    assert "/account/mfa/verify/" in page.url
    shot(page, "5-wrong-code")

    time.sleep(2)  # failed codes are throttled: 1 second after the first failure
    # The next 30-second step's code: the current one was already used at enrolment if we are still in it.
    page.get_by_role("textbox", name="Authentication code").fill(code_from_secret(secret, steps_ahead=1))
    page.get_by_role("button", name="Verify").click()
    assert page.get_by_role("heading", name="Welcome, Nova").is_visible()
    shot(page, "6-signed-in-again")
