import pytest

from tests.e2e.conftest import artifacts_dir


@pytest.mark.django_db(transaction=True)
def test_login_page_renders_in_chromium(page):
    response = page.goto("/account/login/")
    assert response.status == 200
    assert page.get_by_role("heading", name="Sign in to Annex").is_visible()
    assert page.get_by_label("Email address").is_visible()
    assert page.get_by_label("Password").is_visible()
    # The stylesheet and htmx load under the strict CSP (no console errors, styles applied).
    header_bg = page.eval_on_selector(".site-header", "el => getComputedStyle(el).backgroundColor")
    assert header_bg == "rgb(31, 78, 140)"
    assert page.evaluate("typeof window.htmx") == "object"
    shot = artifacts_dir() / "login-page.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 5_000
