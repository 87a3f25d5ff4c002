"""The home page on the demo data (seed_demo): the DPO's posture, trends and report button at desktop width, and
every role's home page at phone width (390 px) with nothing wider than the screen and the navigation folded.

The screenshots of the DPO's home page are the README's: with ANNEX_UPDATE_SCREENSHOTS=1 they are written to
docs/img/ as well as to the test artifacts.
"""

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from portal.accounts.demo import DEMO_DOMAIN, DEMO_PASSWORD
from portal.accounts.models import User
from tests.e2e.conftest import artifacts_dir, sign_in_with_totp

DOCS_IMG = Path(settings.BASE_DIR) / "docs" / "img"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


README_SCREENSHOTS = {"home-dpo-desktop", "home-dpo-phone"}


def _shot(page, name: str) -> None:
    path = artifacts_dir() / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 20_000
    if name in README_SCREENSHOTS and os.environ.get("ANNEX_UPDATE_SCREENSHOTS") == "1":
        shutil.copyfile(path, DOCS_IMG / f"{name}.png")


def _overflowing(page) -> list[str]:
    """Elements that reach past the screen's right edge, outside a box that scrolls them (none on a good page)."""
    return page.evaluate("""() => {
        const width = document.documentElement.clientWidth;
        const scrolls = (el) => { for (let e = el.parentElement; e; e = e.parentElement) {
            const style = getComputedStyle(e);
            if (['auto', 'scroll', 'hidden'].includes(style.overflowX) && e !== document.body) return true; }
            return false; };
        return [...document.querySelectorAll('body *')]
            .filter(el => el.getClientRects().length && el.getBoundingClientRect().right > width + 0.5 && !scrolls(el))
            .slice(0, 10).map(el => `${el.tagName}.${el.className} ${Math.round(el.getBoundingClientRect().right)}px`);
    }""")


def _sign_in(browser, live_server, email: str, viewport: dict):
    context = browser.new_context(base_url=live_server.url, viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(60_000)
    sign_in_with_totp(page, User.objects.get(email=email), password=DEMO_PASSWORD)
    page.wait_for_url(f"{live_server.url}/")
    return context, page


@pytest.mark.django_db(transaction=True)
def test_the_home_pages_on_the_demo_data_at_desktop_and_phone_width(browser, live_server, settings):
    settings.ANNEX_DEMO_MODE = True
    call_command("seed_demo", quiet_accounts=True)

    context, page = _sign_in(browser, live_server, f"dpo@{DEMO_DOMAIN}", DESKTOP)
    assert page.get_by_role("heading", name="The programme's posture").is_visible()
    assert page.get_by_role("heading", name="Trends over the last 90 days").is_visible()
    assert page.get_by_role("button", name="Programme report (PDF)").is_visible()
    assert page.locator("#card-controlsstatus-card .figure").count() == 5
    # The charts are images of the portal's own URLs, drawn under the strict CSP.
    page.locator("#trend-controlsstatus img").scroll_into_view_if_needed()
    assert page.eval_on_selector("#trend-controlsstatus img", "img => img.complete && img.naturalWidth") > 0
    assert not page.get_by_role("button", name="Menu").is_visible()  # wide enough for the whole navigation
    _shot(page, "home-dpo-desktop")

    page.set_viewport_size(PHONE)
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert _overflowing(page) == []
    menu = page.get_by_role("button", name="Menu")
    assert menu.is_visible() and not page.get_by_role("navigation", name="Main").is_visible()
    _shot(page, "home-dpo-phone")
    menu.click()
    assert menu.get_attribute("aria-expanded") == "true"
    assert page.get_by_role("navigation", name="Main").get_by_role("link", name="Controls").is_visible()
    context.close()

    for role in ("security", "responder", "employee", "auditor"):
        context, page = _sign_in(browser, live_server, f"{role}@{DEMO_DOMAIN}", PHONE)
        assert page.get_by_role("heading", name="Your tasks").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], role
        assert _overflowing(page) == [], role
        _shot(page, f"home-{role}-phone")
        context.close()
