"""The retention pages: register, export, preview, a run started after step-up, its certificate, holds."""

import io
from datetime import UTC, datetime

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from portal.audit.models import AuditEvent
from portal.exports.models import AnnexVersion
from portal.notifications.models import Notification
from portal.retention.models import LegalHold, RetentionPolicy, RetentionRun
from tests.factories import UserFactory
from tests.retention.builders import at, notification

pytestmark = pytest.mark.django_db


def test_the_register_lists_each_policy_with_the_records_it_covers(signed_in, policy):
    policy("notifications", 6, data_category="Reminders to staff")
    client, _ = signed_in("DPO")
    response = client.get(reverse("retention:policy_list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Reminders to staff" in page and "Notifications" in page
    assert "audit-trail" in page  # a target whose policy is missing is named, with the button to add it


@pytest.mark.parametrize("size", [2, 12])
def test_the_register_runs_a_fixed_number_of_queries(signed_in, policy, size, django_assert_max_num_queries):
    owner = UserFactory()
    for n in range(size):
        policy(f"policy-{n}", 6, owner=owner)
    client, _ = signed_in("DPO")
    with django_assert_max_num_queries(12):
        assert client.get(reverse("retention:policy_list")).status_code == 200


def test_adding_the_suggested_policies_binds_every_registered_target(signed_in):
    client, _ = signed_in("DPO")
    response = client.post(reverse("retention:policies_add_defaults"))
    assert response.status_code == 302
    keys = set(RetentionPolicy.objects.values_list("key", flat=True))
    assert {"audit-trail", "notifications", "export-files", "evidence-files", "customer-records"} <= keys
    assert AuditEvent.objects.filter(action="retention.policy_created").count() == len(keys)
    client.post(reverse("retention:policies_add_defaults"))
    assert RetentionPolicy.objects.count() == len(keys)


def test_a_policy_edit_with_a_bad_period_keeps_what_was_typed_and_changes_nothing(signed_in, policy):
    existing = policy("notifications", 6)
    client, _ = signed_in("DPO")
    response = client.post(reverse("retention:policy_edit", args=[existing.pk]), {
        "data_category": "Reminders (edited)", "system": "Annex", "purpose": "p", "legal_basis": "b",
        "period_months": "-3", "counts_from": "creation", "action": "delete", "review_cadence_months": "12",
        "expected_version": existing.version,
    })
    assert response.status_code == 400
    assert "Reminders (edited)" in response.content.decode()
    existing.refresh_from_db()
    assert existing.period_months == 6 and existing.data_category == "notifications"


def test_a_stale_policy_edit_is_refused(signed_in, policy):
    existing = policy("notifications", 6)
    client, _ = signed_in("DPO")
    data = {"data_category": "Edited", "system": "Annex", "purpose": "p", "legal_basis": "b", "period_months": "3",
            "counts_from": "creation", "action": "delete", "review_cadence_months": "12",
            "expected_version": existing.version - 1 if existing.version > 1 else 99}
    response = client.post(reverse("retention:policy_edit", args=[existing.pk]), data)
    assert response.status_code == 400
    existing.refresh_from_db()
    assert existing.period_months == 6


def test_a_policy_edit_is_saved_and_audited(signed_in, policy):
    existing = policy("notifications", 6)
    client, _ = signed_in("DPO")
    response = client.post(reverse("retention:policy_edit", args=[existing.pk]), {
        "data_category": "notifications", "system": "Annex database", "purpose": "Testing retention",
        "legal_basis": "Art. 6(1)(f) GDPR", "period_months": "3", "counts_from": "creation", "action": "delete",
        "review_cadence_months": "12", "expected_version": existing.version,
    })
    assert response.status_code == 302
    existing.refresh_from_db()
    assert existing.period_months == 3 and existing.version == 2
    event = AuditEvent.objects.get(action="retention.policy_updated")
    assert event.changes["period_months"] == {"before": 6, "after": 3}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_register_exports_as_csv_and_xlsx_and_the_export_is_audited(signed_in, policy, fmt):
    policy("notifications", 6, data_category="=HYPERLINK(evil)")
    client, _ = signed_in("Auditor", step_up=True)
    response = client.get(reverse("retention:policy_export") + f"?format={fmt}")
    assert response.status_code == 200
    if fmt == "csv":
        text = response.content.decode("utf-8-sig")
        assert text.splitlines()[0].startswith("key,data_category,system")
        assert "'=HYPERLINK(evil)" in text
    else:
        sheet = load_workbook(io.BytesIO(response.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][0] == "key" and rows[1][1] == "'=HYPERLINK(evil)" and rows[1][5] == 6
    assert AuditEvent.objects.get(action="retention.policies_exported").changes["format"] == fmt


def test_the_preview_shows_per_policy_what_a_run_would_do_and_changes_nothing(signed_in, policy):
    policy("notifications", 6, data_category="Reminders to staff")
    with at(datetime(2025, 1, 1, tzinfo=UTC)):
        notification(UserFactory())
        notification(UserFactory())
    client, _ = signed_in("DPO")
    response = client.get(reverse("retention:run_preview"))
    assert response.status_code == 200
    row = response.context["groups"][0]["targets"][0]
    assert (row.target.name, row.due, row.held, row.to_handle) == ("notifications.notices", 2, 0, 2)
    assert Notification.objects.count() == 2 and not RetentionRun.objects.exists()


def test_starting_a_run_needs_a_fresh_second_factor(signed_in, policy):
    policy("notifications", 6)
    with at(datetime(2025, 1, 1, tzinfo=UTC)):
        notification(UserFactory())
    client, _ = signed_in("DPO", step_up=False)
    response = client.post(reverse("retention:run_start"))
    assert response.status_code == 302 and "/account/mfa/" in response["Location"]
    assert Notification.objects.count() == 1 and not RetentionRun.objects.exists()


def test_a_run_started_in_the_browser_purges_and_issues_a_verifiable_certificate(
    signed_in, policy, django_capture_on_commit_callbacks
):
    policy("notifications", 6, data_category="Reminders to staff")
    with at(datetime(2025, 1, 1, tzinfo=UTC)):
        notification(UserFactory())
    client, dpo = signed_in("DPO", step_up=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("retention:run_start"))
    run = RetentionRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("retention:run_detail", args=[run.pk])
    assert run.status == RetentionRun.Status.DONE and run.started_by == dpo
    assert not Notification.objects.exists()
    certificate = AnnexVersion.objects.get(kind="retention.run_certificate")
    assert run.certificate_sha256 == certificate.snapshot_sha256
    assert certificate.snapshot["rows"][0]["records"] == 1
    page = client.get(reverse("retention:run_detail", args=[run.pk])).content.decode()
    assert reverse("exports:version_download", args=[certificate.pk]) in page
    download = client.get(reverse("exports:version_download", args=[certificate.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    verify = client.get(reverse("verify:document", args=[certificate.snapshot_sha256]))
    assert verify.status_code == 200


def test_setting_a_hold_on_an_unknown_person_keeps_the_form_and_sets_nothing(signed_in):
    client, _ = signed_in("DPO")
    response = client.post(reverse("retention:hold_set"), {
        "kind": "accounts.user", "identifier": "nobody@example.test", "reason": "Claim 2026-7"})
    assert response.status_code == 400
    assert "Claim 2026-7" in response.content.decode()
    assert not LegalHold.objects.exists()


def test_a_hold_set_and_released_in_the_browser_is_audited_both_times(signed_in):
    person = UserFactory(email="leaver@example.test")
    client, _ = signed_in("DPO")
    response = client.post(reverse("retention:hold_set"), {
        "kind": "accounts.user", "identifier": "LEAVER@example.test", "reason": "Labour court case 4 Ca 12/26"})
    assert response.status_code == 302
    hold = LegalHold.objects.get()
    assert hold.object_id == str(person.pk) and hold.is_active
    client.post(reverse("retention:hold_release", args=[hold.pk]), {"reason": "Case closed"})
    hold.refresh_from_db()
    assert not hold.is_active and hold.release_reason == "Case closed"
    actions = list(AuditEvent.objects.filter(action__startswith="retention.hold").values_list("action", flat=True))
    assert sorted(actions) == ["retention.hold_released", "retention.hold_set"]


@pytest.mark.parametrize("size", [1, 8])
def test_the_holds_runs_and_offboarding_lists_run_a_fixed_number_of_queries(
    signed_in, policy, size, django_assert_max_num_queries
):
    from datetime import date

    from django.contrib.contenttypes.models import ContentType

    from portal.retention import services
    from portal.retention.models import Offboarding, OffboardingStep
    from tests.controls.factories import CustomerFactory

    client, dpo = signed_in("DPO")
    policy("notifications", 6)
    for n in range(size):
        person = UserFactory()
        services.legal_hold_set(obj=person, reason=f"Case {n}", actor=dpo)
        RetentionRun.objects.create(trigger="nightly", status="done", started_by=dpo, counts={
            "notifications.notices": {"policy": "notifications", "action": "delete", "done": n, "held": 0}})
        customer = CustomerFactory()
        offboarding = Offboarding.objects.create(
            content_type=ContentType.objects.get_for_model(customer), object_id=str(customer.pk),
            subject_label=customer.name, subject_key=customer.slug, contract_ends_on=date(2026, 6, 30),
            choice="delete", started_by=dpo)
        OffboardingStep.objects.create(offboarding=offboarding, position=1, system="Hosting", data_category="All")
    for name in ("retention:hold_list", "retention:run_preview", "retention:offboarding_list"):
        with django_assert_max_num_queries(16):
            assert client.get(reverse(name)).status_code == 200, name
