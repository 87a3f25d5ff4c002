"""The account pages show roles, the authenticators Annex names and its messages in the reader's language."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from portal.accounts import mfa_services
from portal.accounts.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_user_list_and_a_user_s_page_name_the_roles_in_german(signed_in):
    client, _ = signed_in(Role.ADMIN, language="de")
    person = UserFactory(roles=[Role.SECURITY_OFFICER, Role.AUDITOR])
    listed = client.get(reverse("accounts:user_list")).content.decode()
    assert '<li class="tag">Informationssicherheitsbeauftragte/r</li>' in listed
    assert '<li class="tag">Security officer</li>' not in listed
    detail = client.get(reverse("accounts:user_detail", args=[person.pk])).content.decode()
    assert '<li class="tag">Informationssicherheitsbeauftragte/r</li>' in detail
    assert '<li class="tag">Prüfer/in</li>' in detail and '<li class="tag">Auditor</li>' not in detail


def test_the_security_page_names_annex_s_own_authenticators_in_german(signed_in):
    client, user = signed_in(language="de")
    pending = mfa_services.totp_pending_device(user=user)
    assert pending.name == "Authenticator app"
    pending.confirmed = True
    pending.save(update_fields=["confirmed"])
    body = client.get(reverse("accounts:security")).content.decode()
    assert "<td>Authenticator-App</td>" in body and "<td>Authenticator app</td>" not in body


def test_reactivating_an_account_says_so_in_german(signed_in):
    client, _ = signed_in(Role.ADMIN, step_up=True, language="de")
    leaver = UserFactory(roles=[Role.AUDITOR], is_active=False, full_name="Lena Weiss")
    response = client.post(reverse("accounts:user_reactivate", args=[leaver.pk]))
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Lena Weiss wurde wieder aktiviert."]
