import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from controls.audit_actions import AnnexAction
from controls.exports import TOM_ANNEX
from controls.services import control_update
from portal.accounts.roles import Role
from portal.audit.models import AuditAction, AuditEvent
from portal.exports import storage
from portal.exports.models import AnnexVersion
from portal.exports.rendering import content_sha256
from portal.exports.services import ExportError, annex_publish
from tests.controls.factories import CustomerFactory, StatedControlFactory
from tests.exports.conftest import pdf_text
from tests.factories import UserFactory


def _detail_url(subject="acme"):
    return reverse("exports:annex_detail", kwargs={"kind": TOM_ANNEX, "subject": subject})


def _publish(client, subject="acme"):
    page = client.get(_detail_url(subject))
    digest = page.context["content_sha256"]
    return client.post(reverse("exports:annex_publish", kwargs={"kind": TOM_ANNEX, "subject": subject}),
                       {"content_sha256": digest})


@pytest.mark.django_db
def test_publish_change_diff_publish_again_and_verify_says_the_first_is_genuine_but_superseded(
    signed_in, client, mailoutbox, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(name="Acme Health GmbH", slug="acme", notice_contact_email="dpo@acme.example")
    encryption = StatedControlFactory(reference="TOM-ENC-01", title="Encryption at rest")
    StatedControlFactory(reference="TOM-LOG-01", scc_category="events_logging")
    dpo_client, dpo = signed_in(Role.DPO, step_up=True)

    with django_capture_on_commit_callbacks(execute=True):
        assert _publish(dpo_client).status_code == 302
    v1 = AnnexVersion.objects.get(number=1)
    assert v1.subject_key == "acme" and v1.subject_label == "Acme Health GmbH" and v1.published_by == dpo
    assert v1.content_sha256 == content_sha256(v1.snapshot)
    pdf = storage.read_document(v1.file_path, purpose=storage.version_purpose(v1))
    assert v1.snapshot_sha256 in pdf_text(pdf) and "Version 1" in pdf_text(pdf)
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["dpo@acme.example"]
    assert "first published version" in mailoutbox[0].body
    assert mailoutbox[0].attachments[0][0] == v1.file_name

    body = dpo_client.get(_detail_url()).content.decode()
    assert "There is nothing to publish" in body

    control_update(control=encryption, actor=dpo, expected_version=encryption.version,
                   description="Volumes are encrypted with AES-256-XTS; keys rotate every 90 days.")
    StatedControlFactory(reference="TOM-NEW-01", title="Brand new measure")
    page = dpo_client.get(_detail_url())
    diff = page.context["diff"]
    assert [c["reference"] for c in diff["changed"]] == ["TOM-ENC-01"]
    assert diff["changed"][0]["fields"] == ["description"]
    assert [a["reference"] for a in diff["added"]] == ["TOM-NEW-01"] and diff["removed"] == []
    body = page.content.decode()
    assert "Changes since version 1" in body and "TOM-ENC-01" in body and "AES-256-XTS" in body
    assert "Publish version 2" in body

    with django_capture_on_commit_callbacks(execute=True):
        assert _publish(dpo_client).status_code == 302
    v2 = AnnexVersion.objects.get(number=2)
    assert v2.changes["added"] == [{"reference": "TOM-NEW-01", "title": "Brand new measure"}]
    assert len(mailoutbox) == 2
    notice = mailoutbox[1].body
    assert "Changes since version 1" in notice and "Added: TOM-NEW-01" in notice and "Changed: TOM-ENC-01" in notice
    assert "Description: " in notice and "AES-256-XTS" in notice
    assert v2.snapshot_sha256 != v1.snapshot_sha256
    assert AuditEvent.objects.filter(action=AuditAction.ANNEX_PUBLISHED).count() == 2
    assert AuditEvent.objects.filter(action=AnnexAction.NOTICE_SENT).count() == 2

    client.logout()
    response = client.get(reverse("verify:document", kwargs={"sha256": v1.snapshot_sha256}))
    text = response.content.decode()
    assert response.status_code == 200
    assert "Genuine" in text and "Acme Health GmbH" in text and "Superseded: version 2" in text
    assert customer.contract_reference not in text, "the public page says no more than it must"
    current = client.get(reverse("verify:document", kwargs={"sha256": v2.snapshot_sha256})).content.decode()
    assert "Genuine" in current and "This is the current version." in current


@pytest.mark.django_db
def test_verify_says_an_unknown_fingerprint_is_not_genuine(client):
    response = client.get(reverse("verify:document", kwargs={"sha256": "ab" * 32}))
    assert response.status_code == 404 and "Not a genuine published version" in response.content.decode()


@pytest.mark.django_db
def test_publishing_unchanged_content_is_refused_and_creates_no_version(db):
    CustomerFactory(slug="acme")
    dpo = UserFactory(roles=[Role.DPO])
    annex_publish(kind_name=TOM_ANNEX, subject_key="acme", actor=dpo)
    with pytest.raises(ExportError, match="Nothing has changed since version 1"):
        annex_publish(kind_name=TOM_ANNEX, subject_key="acme", actor=dpo)
    assert AnnexVersion.objects.count() == 1


@pytest.mark.django_db
def test_publishing_what_was_not_reviewed_is_refused(signed_in):
    CustomerFactory(slug="acme")
    client, _ = signed_in(Role.DPO, step_up=True)
    stale = client.get(_detail_url()).context["content_sha256"]
    StatedControlFactory(reference="TOM-LATE-01")
    response = client.post(reverse("exports:annex_publish", kwargs={"kind": TOM_ANNEX, "subject": "acme"}),
                           {"content_sha256": stale}, follow=True)
    assert "changed while you were reviewing" in response.content.decode()
    assert not AnnexVersion.objects.exists()


@pytest.mark.django_db
def test_only_dpo_and_admin_may_publish(db):
    CustomerFactory(slug="acme")
    with pytest.raises(PermissionDenied):
        annex_publish(kind_name=TOM_ANNEX, subject_key="acme", actor=UserFactory(roles=[Role.AUDITOR]))
    assert not AnnexVersion.objects.exists()


@pytest.mark.django_db
def test_publishing_needs_a_recent_mfa_check(signed_in):
    CustomerFactory(slug="acme")
    client, _ = signed_in(Role.DPO, step_up=False)
    response = client.post(reverse("exports:annex_publish", kwargs={"kind": TOM_ANNEX, "subject": "acme"}),
                           {"content_sha256": "0" * 64})
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:mfa_step_up"))
    assert not AnnexVersion.objects.exists()


@pytest.mark.django_db
def test_the_general_annex_is_published_without_a_notice(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        version = annex_publish(kind_name=TOM_ANNEX, subject_key="", actor=UserFactory(roles=[Role.ADMIN]))
    assert version.subject_label == "All customers" and mailoutbox == []


@pytest.mark.django_db
def test_a_published_version_downloads_after_step_up_and_is_audited(signed_in):
    version = annex_publish(kind_name=TOM_ANNEX, subject_key="", actor=UserFactory(roles=[Role.DPO]))
    client, auditor = signed_in(Role.AUDITOR, step_up=True)
    response = client.get(reverse("exports:version_download", kwargs={"pk": version.pk}))
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    event = AuditEvent.objects.get(action=AuditAction.EXPORT_DOWNLOADED)
    assert event.actor == auditor and event.target_id == str(version.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("customers", [1, 6])
def test_the_annex_overview_shows_each_customer_state(signed_in, django_assert_max_num_queries, customers):
    for n in range(customers):
        CustomerFactory(slug=f"c{n}")
    StatedControlFactory()
    annex_publish(kind_name=TOM_ANNEX, subject_key="c0", actor=UserFactory(roles=[Role.DPO]))
    client, _ = signed_in(Role.DPO)
    # One content snapshot per customer is built to compare it with the last published version. Three versioned
    # kinds are listed: the TOM annex and the sub-processor list per customer, the record of processing per
    # customer and for all of them (controls/exports_subprocessors.py). The TOM annex reads 14 queries whatever the
    # number of customers, and four more to see whether the published versions still state only what is true.
    with django_assert_max_num_queries(60 + 5 * customers):
        body = client.get(reverse("exports:annex_list")).content.decode()
    assert "Up to date" in body and body.count("Not yet published") == 3 * customers + 1
