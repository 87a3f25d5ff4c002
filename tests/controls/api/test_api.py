"""The JSON API: token-authenticated, scoped like the pages, constant queries per page, schema published."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from controls.audit_actions import ControlAction
from controls.models import Control, Service
from portal.accounts.models import ApiToken, hash_secret
from portal.accounts.roles import Role
from portal.accounts.tokens import api_token_create
from portal.audit.models import AuditEvent
from tests.controls.factories import ControlFactory, CustomerFactory, EvidenceFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def token_client(*roles) -> tuple[APIClient, object]:
    user = UserFactory(roles=list(roles))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=user)}")
    return client, user


def _make_controls(n: int, owner=None):
    service = Service.objects.create(slug="hosting", name="Hosting")
    Control.objects.bulk_create([
        Control(reference=f"API-CTL-{i:05d}", title=f"Measure {i}", description="Specific text.",
                scc_category="events_logging", owner=owner, status=Control.Status.IMPLEMENTED)
        for i in range(n)
    ])
    Control.services.through.objects.bulk_create([
        Control.services.through(control_id=pk, service_id=service.pk)
        for pk in Control.objects.values_list("pk", flat=True)
    ])


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


def test_the_list_runs_the_same_few_queries_for_10_and_1000_controls():
    client, _ = token_client(Role.AUDITOR)
    owner = UserFactory(roles=[Role.SECURITY_OFFICER])
    url = reverse("api:control-list") + "?page_size=1000"
    _make_controls(10, owner=owner)
    small = _queries(client, url)
    Control.services.through.objects.all().delete()
    Control.objects.all().delete()
    Service.objects.all().delete()
    _make_controls(1000, owner=owner)
    large = _queries(client, url)
    assert small == large <= 5, f"{large} queries"
    data = client.get(url).json()
    assert data["count"] == 1000 and len(data["results"]) == 1000
    assert data["results"][0]["services"] == ["hosting"] and data["results"][0]["owner"] == owner.email


def test_page_size_is_capped_at_1000():
    client, _ = token_client(Role.DPO)
    _make_controls(1001)
    data = client.get(reverse("api:control-list"), {"page_size": 5000}).json()
    assert len(data["results"]) == 1000 and data["next"]


def test_the_list_filters_like_the_register_page():
    client, _ = token_client(Role.DPO)
    officer = UserFactory(roles=[Role.SECURITY_OFFICER], email="sec@annex.test")
    today = timezone.localdate()
    ControlFactory(reference="TOM-TRN-01", title="TLS 1.3", scc_category="protection_in_transmission",
                   owner=officer, next_review_due=today - timedelta(days=1))
    ControlFactory(reference="TOM-BCK-01", title="Backups", status=Control.Status.PLANNED,
                   scc_category="restore_availability")

    def refs(**params):
        response = client.get(reverse("api:control-list"), params)
        assert response.status_code == 200, response.content
        return [c["reference"] for c in response.json()["results"]]

    assert refs(q="tls") == ["TOM-TRN-01"]
    assert refs(status="planned") == ["TOM-BCK-01"]
    assert refs(category="restore_availability") == ["TOM-BCK-01"]
    assert refs(owner="SEC@annex.test") == ["TOM-TRN-01"]
    assert refs(overdue="true") == ["TOM-TRN-01"]
    assert refs(sort="-reference") == ["TOM-TRN-01", "TOM-BCK-01"]
    bad = client.get(reverse("api:control-list"), {"status": "done"})
    assert bad.status_code == 400 and "status" in bad.json()
    assert client.get(reverse("api:control-list"), {"customer": "nope"}).status_code == 404
    customer = CustomerFactory()
    assert sorted(refs(customer=customer.slug)) == ["TOM-BCK-01", "TOM-TRN-01"]


def test_the_detail_returns_one_control():
    client, _ = token_client(Role.AUDITOR)
    control = ControlFactory(reference="TOM-ENC-01", parameters={"cipher": "AES-256-GCM"})
    data = client.get(reverse("api:control-detail", args=[control.pk])).json()
    assert data["reference"] == "TOM-ENC-01" and data["parameters"] == {"cipher": "AES-256-GCM"}
    assert data["web_url"] == reverse("controls:detail", args=[control.pk])


@pytest.mark.parametrize("role", [Role.EMPLOYEE, Role.INCIDENT_RESPONDER])
def test_users_who_may_not_read_the_register_are_refused(role):
    client, _ = token_client(role)
    ControlFactory()
    assert client.get(reverse("api:control-list")).status_code == 403
    assert client.get(reverse("api:evidence-list")).status_code == 403


def test_requests_without_credentials_or_with_a_wrong_token_get_401():
    assert APIClient().get(reverse("api:control-list")).status_code == 401
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get(reverse("api:control-list")).status_code == 401


def test_a_deactivated_user_s_token_stops_working():
    client, user = token_client(Role.DPO)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert client.get(reverse("api:control-list")).status_code == 401


def test_a_session_that_has_not_passed_mfa_is_refused(signed_in):
    client, _ = signed_in(Role.DPO, verified=False)
    response = client.get(reverse("api:control-list"))
    assert response.status_code == 403 and response.json()["detail"] == "MFA verification required."


def test_evidence_is_listed_as_metadata_only():
    client, _ = token_client(Role.AUDITOR)
    today = timezone.localdate()
    control = ControlFactory(reference="TOM-ACC-01")
    current = EvidenceFactory(control=control, title="Access review", valid_until=today + timedelta(days=5))
    expired = EvidenceFactory(control=control, title="Old review", valid_until=today - timedelta(days=5))
    EvidenceFactory(control=control, title="Withdrawn", removed_at=timezone.now(), removal_reason="Wrong")
    EvidenceFactory(title="Elsewhere")

    data = client.get(reverse("api:evidence-list"), {"control": control.pk}).json()
    assert {e["title"] for e in data["results"]} == {"Access review", "Old review"}
    item = next(e for e in data["results"] if e["id"] == current.pk)
    assert item["control_reference"] == "TOM-ACC-01" and item["expired"] is False
    assert "file_path" not in item and "key_id" not in item and "text" not in item
    expired_only = client.get(reverse("api:evidence-list"), {"control": control.pk, "expired": "true"}).json()
    assert [e["id"] for e in expired_only["results"]] == [expired.pk]
    with_removed = client.get(reverse("api:evidence-list"), {"control": control.pk, "include_removed": "1"}).json()
    assert with_removed["count"] == 3


def test_the_evidence_list_runs_a_constant_number_of_queries():
    client, _ = token_client(Role.AUDITOR)
    uploader = UserFactory()
    url = reverse("api:evidence-list") + "?page_size=1000"
    for _ in range(3):
        EvidenceFactory(uploaded_by=uploader)
    small = _queries(client, url)
    for _ in range(30):
        EvidenceFactory(uploaded_by=uploader)
    assert _queries(client, url) == small <= 4, f"{small} queries"


def test_the_openapi_schema_describes_the_endpoints():
    client, _ = token_client(Role.AUDITOR)
    response = client.get(reverse("api:schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert "/api/controls/" in schema["paths"] and "/api/evidence/{id}/" in schema["paths"]
    params = {p["name"] for p in schema["paths"]["/api/controls/"]["get"]["parameters"]}
    assert {"q", "status", "category", "owner", "overdue", "customer", "page_size"} <= params
    assert APIClient().get(reverse("api:schema")).status_code == 401


def test_a_user_creates_a_token_after_a_fresh_mfa_check_and_sees_it_once(signed_in):
    client, user = signed_in(Role.SECURITY_OFFICER, step_up=True)
    response = client.post(reverse("api:token_create"))
    assert response.status_code == 200
    key = response.context["new_key"]
    assert key in response.content.decode()
    # Only the hash is stored: the key is nowhere in the database.
    stored = ApiToken.objects.get(user=user)
    assert stored.key_hash == hash_secret(key) and key not in {stored.key_hash, stored.prefix}
    assert "no-store" in response["Cache-Control"]
    assert key not in client.get(reverse("api:tokens")).content.decode()
    assert AuditEvent.objects.filter(action=ControlAction.API_TOKEN_CREATED, actor=user).count() == 1
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get(reverse("api:control-list")).status_code == 200


def test_creating_a_token_without_a_recent_mfa_check_asks_for_one(signed_in):
    client, user = signed_in(Role.DPO, step_up=False)
    response = client.post(reverse("api:token_create"))
    assert response.status_code == 302 and "/step-up/" in response["Location"]
    assert not ApiToken.objects.filter(user=user).exists()


def test_replacing_and_revoking_a_token_invalidates_the_old_one(signed_in):
    client, user = signed_in(Role.DPO, step_up=True)
    first = client.post(reverse("api:token_create")).context["new_key"]
    second = client.post(reverse("api:token_create")).context["new_key"]
    assert first != second
    response = client.post(reverse("api:token_revoke"))
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action=ControlAction.API_TOKEN_REVOKED, actor=user).count() == 1
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {second}")
    assert api.get(reverse("api:control-list")).status_code == 401


def test_the_fast_control_document_equals_the_generic_serializer_output():
    from datetime import date

    from rest_framework import serializers as drf

    from controls.api.serializers import ControlSerializer
    from tests.controls.factories import ControlFactory, ServiceFactory
    from tests.factories import UserFactory

    class Generic(ControlSerializer):
        to_representation = drf.ModelSerializer.to_representation

    with_all = ControlFactory(owner=UserFactory(), next_review_due=date(2026, 1, 31),
                              last_reviewed_on=date(2025, 1, 31), parameters={"tls_min_version": "1.3"},
                              tags=["crypto"], art32_points=["a", "b"])
    with_all.services.add(ServiceFactory(), ServiceFactory())
    bare = ControlFactory(owner=None, next_review_due=None, last_reviewed_on=None)
    for control in (with_all, bare):
        control = type(control).objects.select_related("owner").prefetch_related("services").get(pk=control.pk)
        context = {"today": date(2026, 2, 1)}
        assert ControlSerializer(control, context=context).data == Generic(control, context=context).data


def test_a_non_ascii_control_id_is_a_clear_400():
    client = APIClient()
    client.force_authenticate(UserFactory(roles=[Role.AUDITOR]))
    response = client.get("/api/evidence/?control=²")
    assert response.status_code == 400 and "control" in response.json()


def test_the_list_documents_equal_the_generic_serializer_output():
    from datetime import date

    from rest_framework import serializers as drf

    from controls.api.serializers import ControlSerializer
    from tests.controls.factories import ServiceFactory

    class Generic(ControlSerializer):
        to_representation = drf.ModelSerializer.to_representation

    auditor = UserFactory(roles=[Role.AUDITOR])
    first = ControlFactory(owner=UserFactory(), next_review_due=date(2020, 1, 31), parameters={"cipher": "AES"})
    first.services.add(ServiceFactory(name="Zeta hosting"), ServiceFactory(name="Alpha support"))
    ControlFactory(owner=None, next_review_due=None, status=Control.Status.RETIRED)
    client = APIClient()
    client.force_authenticate(auditor)

    listed = client.get("/api/controls/?page_size=1000").json()["results"]

    controls = Control.objects.select_related("owner").prefetch_related("services").order_by("reference")
    expected = Generic(controls, many=True, context={"today": timezone.localdate()}).data
    assert [dict(d) for d in expected] == listed


def test_an_empty_page_number_is_refused_as_the_schema_says():
    client, _ = token_client(Role.DPO)
    for url in ("/api/evidence/?include_removed=true&page=", "/api/controls/?page="):
        response = client.get(url)
        assert response.status_code == 400 and "page" in response.json()


@pytest.mark.parametrize(("language", "sort_message", "category_message"), [
    ("en", "Use one of: reference,", "“nope” is not an SCC measure category id."),
    ("de", "Verwenden Sie einen dieser Werte: reference,", "„nope“ ist keine ID einer SCC-Maßnahmenkategorie."),
])
def test_refused_parameters_are_explained_in_the_client_s_language(language, sort_message, category_message):
    client, _user = token_client(Role.DPO)
    url = reverse("api:control-list")
    sort = client.get(url, {"sort": "nope"}, HTTP_ACCEPT_LANGUAGE=language)
    assert sort.status_code == 400 and sort.json()["sort"].startswith(sort_message), sort.json()
    category = client.get(url, {"category": "nope"}, HTTP_ACCEPT_LANGUAGE=language)
    assert category.status_code == 400 and category.json()["category"] == category_message, category.json()
