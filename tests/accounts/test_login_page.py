import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_login_page_renders_with_strict_csp(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert b"Sign in to Annex" in response.content
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp


@pytest.mark.django_db
def test_anonymous_dashboard_redirects_to_login(client):
    response = client.get(reverse("portal:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
