import time

import pytest
from django.urls import reverse

from portal.accounts.mfa import STEP_UP_SESSION_KEY
from portal.accounts.roles import Role
from portal.audit.models import AuditAction
from tests.accounts.conftest import events, totp_code
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def make_stale(client, seconds=16 * 60):
    session = client.session
    session[STEP_UP_SESSION_KEY] = int(time.time()) - seconds
    session.save()


def test_a_role_change_with_a_stale_mfa_check_goes_to_step_up_and_back_to_the_form(signed_in):
    client, admin = signed_in(Role.ADMIN)
    make_stale(client)
    target = UserFactory(roles=[Role.EMPLOYEE])
    detail = f"http://testserver{reverse('accounts:user_detail', args=[target.pk])}"
    response = client.post(reverse("accounts:user_roles", args=[target.pk]), {"roles": [Role.AUDITOR]},
                           HTTP_REFERER=detail)
    assert response.status_code == 302
    assert response["Location"] == (
        f"{reverse('accounts:mfa_step_up')}?next=%2Faccount%2Fusers%2F{target.pk}%2F"
    )
    assert target.role_names == [Role.EMPLOYEE]
    assert events(AuditAction.ROLES_CHANGED) == []

    device = admin.totp_devices.get()
    step_up = client.post(reverse("accounts:mfa_step_up"), {"code": totp_code(device),
                                                           "next": f"/account/users/{target.pk}/"})
    assert step_up["Location"] == f"/account/users/{target.pk}/"
    assert len(events(AuditAction.MFA_STEP_UP)) == 1
    again = client.post(reverse("accounts:user_roles", args=[target.pk]), {"roles": [Role.AUDITOR]})
    assert again["Location"] == reverse("accounts:user_detail", args=[target.pk])
    assert target.role_names == [Role.AUDITOR]


def test_a_foreign_referer_is_not_used_as_the_return_page(signed_in):
    client, _ = signed_in(Role.ADMIN)
    make_stale(client)
    target = UserFactory()
    response = client.post(reverse("accounts:user_reset_mfa", args=[target.pk]),
                           HTTP_REFERER="https://evil.example/phish")
    assert response["Location"] == f"{reverse('accounts:mfa_step_up')}?next=%2F"


def test_a_get_keeps_its_own_path_as_the_return_page(rf, db):
    from django.contrib.sessions.backends.db import SessionStore
    from django.http import HttpResponse

    from portal.accounts.mfa import require_recent_mfa

    request = rf.get("/exports/42/download/?format=pdf")
    request.session = SessionStore()
    response = require_recent_mfa(lambda r: HttpResponse("ok"))(request)
    expected_next = "%2Fexports%2F42%2Fdownload%2F%3Fformat%3Dpdf"
    assert response["Location"] == f"{reverse('accounts:mfa_step_up')}?next={expected_next}"


def test_a_fresh_check_passes_straight_through(rf, db):
    from django.contrib.sessions.backends.db import SessionStore
    from django.http import HttpResponse

    from portal.accounts.mfa import require_recent_mfa

    request = rf.post("/x/")
    request.session = SessionStore()
    request.session[STEP_UP_SESSION_KEY] = int(time.time()) - 60
    assert require_recent_mfa(lambda r: HttpResponse("ok"))(request).content == b"ok"


def test_step_up_with_a_wrong_code_is_refused_and_audited(signed_in):
    client, _ = signed_in(Role.ADMIN)
    make_stale(client)
    response = client.post(reverse("accounts:mfa_step_up"), {"code": "12345678", "next": "/"})
    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert events(AuditAction.MFA_FAILED)[0].changes["stage"] == {"before": "", "after": "step-up"}
