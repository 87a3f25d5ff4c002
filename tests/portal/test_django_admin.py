"""The Django admin: off unless ANNEX_ADMIN_ENABLED; when on: no secrets, no device or token pages, writes audited."""

import importlib

import pytest
from django.contrib import admin
from django.test import override_settings
from django.test.client import RequestFactory
from django.urls import NoReverseMatch, clear_url_caches, get_resolver, reverse

import portal.urls
from incidents.models import ObligationTemplate
from portal.accounts.roles import Role
from portal.audit.models import AuditAction, AuditEvent
from portal.core.admin_site import AnnexAdminSite, AuditedModelAdmin
from portal.security.fields import EncryptedFieldMixin
from tests.conftest import sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


SECRET_NAMES = {"password", "key", "secret", "token", "otp", "backup_codes", "bin_key", "config_url"}
SECRET_SUFFIXES = ("_hash", "_secret", "_key", "_token", "password")


def _reload_urls():
    importlib.reload(portal.urls)
    clear_url_caches()


@pytest.fixture
def admin_enabled():
    with override_settings(ANNEX_ADMIN_ENABLED=True):
        _reload_urls()
        yield
    _reload_urls()


def staff(client, *, verified=True, step_up=True):
    user = UserFactory(roles=[Role.ADMIN], is_staff=True, is_superuser=True)
    sign_in(client, user, verified=verified, step_up=step_up)
    return user


def _template(code="test-duty", **fields):
    values = {"code": code, "regime": ObligationTemplate._meta.get_field("regime").choices[0][0],
              "recipient": ObligationTemplate._meta.get_field("recipient").choices[0][0],
              "trigger": ObligationTemplate._meta.get_field("trigger").choices[0][0],
              "title": "Test duty", "legal_reference": "Art. 0", "checklist": ["Nature of the breach"]}
    return ObligationTemplate.objects.create(**{**values, **fields})


def _events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def test_the_admin_is_off_by_default(client):
    staff(client)
    assert client.get("/admin/").status_code == 404
    assert not any(str(p.pattern).startswith("admin/") for p in get_resolver().url_patterns)
    with pytest.raises(NoReverseMatch):
        reverse("admin:index")


def test_the_site_offers_no_device_token_group_or_lockout_page(admin_enabled):
    site = admin.site
    assert isinstance(site, AnnexAdminSite)
    labels = {model._meta.label for model in site._registry}
    assert labels == {"incidents.ObligationTemplate"}
    for label in ("otp_totp.TOTPDevice", "accounts.BackupCodeDevice", "authtoken.TokenProxy", "authtoken.Token",
                  "auth.Group", "axes.AccessAttempt", "accounts.ApiToken"):
        assert label not in labels


@pytest.mark.parametrize("path", ["/admin/otp_totp/totpdevice/", "/admin/authtoken/tokenproxy/",
                                  "/admin/auth/group/", "/admin/axes/accessattempt/"])
def test_device_token_group_and_lockout_pages_do_not_exist(client, admin_enabled, path):
    staff(client)
    assert client.get(path).status_code == 404


def test_a_third_party_registration_is_not_admitted():
    site = AnnexAdminSite(name="probe")
    site.register(ObligationTemplate, admin.ModelAdmin)
    assert not site.is_registered(ObligationTemplate)
    site.register(ObligationTemplate, AuditedModelAdmin)
    assert site.is_registered(ObligationTemplate)


def test_no_registered_page_shows_a_secret(admin_enabled):
    request = RequestFactory().get("/admin/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, AuditedModelAdmin)
        form_fields = set(model_admin.get_form(request)().fields)
        shown = form_fields | set(model_admin.get_list_display(request)) | set(model_admin.get_readonly_fields(request))
        secret = {name for name in shown if name in SECRET_NAMES or name.endswith(SECRET_SUFFIXES)}
        encrypted = {f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedFieldMixin)}
        assert not secret and not (shown & encrypted), model._meta.label
        assert set(model_admin.get_actions(request)) <= {"delete_selected"}


def test_changing_a_record_is_audited_with_the_fields_changed(client, admin_enabled):
    user = staff(client)
    template = _template(hours=72)
    url = reverse("admin:incidents_obligationtemplate_change", args=[template.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data.update(hours=24, checklist='["Nature of the breach"]')
    for name in ("use_customer_hours", "is_active"):
        if not data.get(name):
            data.pop(name, None)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    template.refresh_from_db()
    assert template.hours == 24
    [event] = _events(AuditAction.ADMIN_CHANGED)
    assert event.actor == user and event.target_id == str(template.pk)
    assert event.changes == {"hours": {"before": 72, "after": 24}}


def test_adding_and_deleting_records_is_audited_one_event_each(client, admin_enabled):
    staff(client)
    first, second = _template("duty-a"), _template("duty-b")
    changelist = reverse("admin:incidents_obligationtemplate_changelist")
    response = client.post(changelist, {"action": "delete_selected", "_selected_action": [first.pk, second.pk],
                                        "post": "yes"})
    assert response.status_code == 302
    assert not ObligationTemplate.objects.filter(pk__in=[first.pk, second.pk]).exists()
    assert sorted(e.target_id for e in _events(AuditAction.ADMIN_DELETED)) == sorted([str(first.pk), str(second.pk)])
    third = _template("duty-c")
    response = client.post(reverse("admin:incidents_obligationtemplate_delete", args=[third.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert len(_events(AuditAction.ADMIN_DELETED)) == 3


def test_the_admin_needs_a_fresh_second_factor(client, admin_enabled):
    staff(client, step_up=False)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:mfa_step_up"))
    template = _template()
    response = client.post(reverse("admin:incidents_obligationtemplate_delete", args=[template.pk]), {"post": "yes"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:mfa_step_up"))
    assert ObligationTemplate.objects.filter(pk=template.pk).exists()
    assert _events(AuditAction.ADMIN_DELETED) == []


@pytest.mark.parametrize("principal", ["anonymous", "password-only", "non-staff", "verified-staff"])
def test_the_admin_requires_a_verified_staff_session(client, admin_enabled, principal):
    url = reverse("admin:index")
    if principal == "anonymous":
        response = client.get(url)
        assert response.status_code == 302
        # The admin's own login page is not used: sign-in goes through Annex's, with lockout and MFA.
        assert client.get(response["Location"])["Location"].startswith(reverse("accounts:login"))
        return
    user = UserFactory(roles=[Role.ADMIN], is_staff=principal == "verified-staff",
                       is_superuser=principal == "verified-staff")
    sign_in(client, user, verified=principal != "password-only", step_up=True)
    response = client.get(url)
    if principal == "password-only":
        assert response.status_code == 302 and response["Location"].startswith("/account/mfa/")
    elif principal == "non-staff":
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    else:
        assert response.status_code == 200


def test_every_admin_url_refuses_a_password_only_session(client, admin_enabled):
    """Each admin URL that takes no arguments sends an unverified staff session to MFA."""
    staff(client, verified=False)
    checked = 0
    for pattern_name in _admin_url_names():
        response = client.get(reverse(pattern_name))
        assert response.status_code == 302 and response["Location"].startswith("/account/mfa/"), pattern_name
        checked += 1
    assert checked >= 3


def _admin_url_names():
    from tests.authz.test_matrix import _walk

    for name, pattern in _walk(get_resolver().url_patterns):
        if name.startswith("admin:") and not pattern.pattern.regex.groups:
            yield name
