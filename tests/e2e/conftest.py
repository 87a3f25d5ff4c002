"""Browser journeys: Playwright drives Debian's Chromium against pytest-django's live server."""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls in tests are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def artifacts_dir() -> Path:
    path = Path(os.environ.get("ANNEX_TEST_ARTIFACTS", "/tmp/annex-test")) / "e2e"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not Path(executable).exists():
        pytest.fail(f"Chromium not found at {executable}; install Debian's chromium package")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, request):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    # Generous: an export rendered eagerly inside a request takes seconds on an idle machine, far more on a busy one.
    page.set_default_timeout(60_000)
    page.set_default_navigation_timeout(60_000)
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        page.screenshot(path=str(artifacts_dir() / f"FAILED-{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report


def totp_now(user) -> str:
    """The code an authenticator app would show for the user's confirmed device right now."""
    from django_otp.oath import totp

    from portal.accounts.models import TOTPDevice

    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def sign_in_with_totp(page, user, password: str | None = None) -> None:
    """Sign in through the real pages: email and password, then the code from the user's authenticator."""
    from tests.factories import DEFAULT_PASSWORD

    page.goto("/account/login/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(password or DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/account/mfa/verify/**")
    page.get_by_role("textbox", name="Authentication code").fill(totp_now(user))
    page.get_by_role("button", name="Verify").click()
