import hashlib
from pathlib import Path
from unittest.mock import patch

import pytest
from django.urls import reverse

from portal.accounts.roles import Role
from portal.audit.models import AuditAction, AuditEvent
from portal.exports import registry, storage
from portal.exports.models import ExportJob
from portal.exports.services import export_job_run
from tests.conftest import sign_in
from tests.controls.factories import ControlFactory, CustomerFactory
from tests.exports.builders import PDF_BYTES, done_job
from tests.factories import UserFactory

TOM_ANNEX = "controls.tom_annex"


@pytest.fixture
def raising_kind(settings):
    """A kind whose template fails while rendering; its template lives with these tests."""
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"],
                                                              Path(__file__).parent / "templates"]}]
    kind = registry.register(registry.ExportKind(
        name="tests.raises", label="Broken document", template="tests/raises.html",
        snapshot=lambda key: {"title": "Broken", "subject_label": "All", "subject_key": key},
        subjects=lambda: [("", "All")], permission="controls.view_control",
    ))
    yield kind
    registry.unregister(kind.name)


def _request(client, document: str):
    return client.post(reverse("exports:request"), {"document": document})


@pytest.mark.django_db
def test_requesting_an_annex_renders_it_and_the_file_decrypts_to_the_pdf(signed_in, django_capture_on_commit_callbacks):
    ControlFactory(reference="TOM-TST-01")
    client, user = signed_in(Role.DPO, step_up=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = _request(client, f"{TOM_ANNEX}|")
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("exports:detail", kwargs={"pk": job.pk})
    assert job.status == ExportJob.Status.DONE and job.progress == 100 and job.requested_by == user
    data = storage.read_document(job.file_path, purpose=storage.job_purpose(job))
    assert data.startswith(b"%PDF") and hashlib.sha256(data).hexdigest() == job.file_sha256
    assert job.file_size == len(data) and job.expires_at > job.finished_at
    # At rest the file is ciphertext, not the PDF.
    from portal.security.storage import encrypted_files_root
    assert not (encrypted_files_root() / job.file_path).read_bytes().startswith(b"%PDF")
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT_REQUESTED, target_id=str(job.pk)).count() == 1
    completed = AuditEvent.objects.get(action=AuditAction.EXPORT_COMPLETED, target_id=str(job.pk))
    assert completed.changes["sha256"] == job.file_sha256 and completed.changes["size"] == job.file_size


@pytest.mark.django_db
def test_requesting_needs_a_recent_mfa_check_and_queues_nothing_without_it(signed_in):
    client, _ = signed_in(Role.DPO, step_up=False)
    response = _request(client, f"{TOM_ANNEX}|")
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:mfa_step_up"))
    assert not ExportJob.objects.exists()


@pytest.mark.django_db
def test_a_user_who_may_request_no_document_is_refused(signed_in):
    client, _ = signed_in(Role.EMPLOYEE, step_up=True)
    assert _request(client, f"{TOM_ANNEX}|").status_code == 403
    assert not ExportJob.objects.exists()


@pytest.mark.django_db
def test_a_document_of_a_kind_the_user_may_not_request_is_not_offered_nor_accepted(signed_in, raising_kind):
    registry.unregister(raising_kind.name)
    registry.register(registry.ExportKind(
        name="tests.restricted", label="Restricted", template="tests/raises.html",
        snapshot=lambda key: {}, subjects=lambda: [("", "All")], permission="audit.view_auditevent",
    ))
    try:
        client, _ = signed_in(Role.SECURITY_OFFICER, step_up=True)
        assert "tests.restricted" not in client.get(reverse("exports:list")).content.decode()
        response = _request(client, "tests.restricted|")
        assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    finally:
        registry.unregister("tests.restricted")
    assert not ExportJob.objects.exists()


@pytest.mark.django_db
def test_an_unknown_customer_is_refused_with_a_message_and_the_form_keeps_the_choices(signed_in):
    CustomerFactory(slug="acme")
    client, _ = signed_in(Role.DPO, step_up=True)
    response = _request(client, f"{TOM_ANNEX}|no-such-customer")
    assert response.status_code == 400
    body = response.content.decode()
    assert "Select a valid choice" in body and f"{TOM_ANNEX}|acme" in body
    assert not ExportJob.objects.exists()


@pytest.mark.django_db
def test_a_job_whose_template_raises_ends_failed_with_the_reason_and_no_file(
    signed_in, raising_kind, django_capture_on_commit_callbacks, settings
):
    client, _ = signed_in(Role.DPO, step_up=True)
    with django_capture_on_commit_callbacks(execute=True):
        _request(client, "tests.raises|")
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.FAILED
    assert "NoReverseMatch" in job.error and "no_such_page" in job.error
    assert job.file_path == "" and job.file_sha256 == "" and job.file_size is None
    leftovers = [p for p in Path(settings.ANNEX_ENCRYPTED_FILES_DIR).rglob("*") if p.is_file()]
    assert leftovers == []
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT_FAILED, target_id=str(job.pk)).count() == 1
    page = client.get(reverse("exports:detail", kwargs={"pk": job.pk}))
    assert "could not be rendered" in page.content.decode() and "NoReverseMatch" in page.content.decode()
    assert client.get(reverse("exports:download", kwargs={"pk": job.pk})).status_code == 404


@pytest.mark.django_db
def test_a_finished_job_is_not_rendered_again_when_its_task_is_delivered_twice(db):
    job = done_job(UserFactory())
    before = (job.file_path, job.file_sha256, job.finished_at)
    again = export_job_run(job_id=job.pk)
    assert (again.file_path, again.file_sha256, again.finished_at) == before
    assert again.status == ExportJob.Status.DONE


@pytest.mark.django_db
def test_a_job_left_running_by_a_killed_worker_completes_on_redelivery(db):
    job = ExportJob.objects.create(kind=TOM_ANNEX, parameters={"subject": ""}, status=ExportJob.Status.RUNNING,
                                   requested_by=UserFactory(roles=[Role.DPO]), progress=50, attempts=1)
    finished = export_job_run(job_id=job.pk)
    assert finished.status == ExportJob.Status.DONE and finished.attempts == 2 and finished.file_path


@pytest.mark.django_db
def test_download_without_a_recent_mfa_check_is_refused_and_not_audited(client):
    owner = UserFactory(roles=[Role.DPO])
    job = done_job(owner)
    sign_in(client, owner, step_up=False)
    response = client.get(reverse("exports:download", kwargs={"pk": job.pk}))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:mfa_step_up"))
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT_DOWNLOADED).exists()


@pytest.mark.django_db
def test_the_requester_downloads_the_decrypted_file_and_the_download_is_audited(client):
    owner = UserFactory(roles=[Role.SECURITY_OFFICER])
    job = done_job(owner)
    sign_in(client, owner, step_up=True)
    response = client.get(reverse("exports:download", kwargs={"pk": job.pk}))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Disposition"] == 'attachment; filename="annex.pdf"'
    event = AuditEvent.objects.get(action=AuditAction.EXPORT_DOWNLOADED)
    assert event.actor == owner and event.target_id == str(job.pk)


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "status"), [(Role.DPO, 200), (Role.AUDITOR, 200), (Role.ADMIN, 200),
                                              (Role.SECURITY_OFFICER, 404), (Role.EMPLOYEE, 404)])
def test_only_dpo_admin_and_auditor_download_someone_elses_export(client, role, status):
    job = done_job(UserFactory(roles=[Role.SECURITY_OFFICER]))
    sign_in(client, UserFactory(roles=[role]), step_up=True)
    assert client.get(reverse("exports:download", kwargs={"pk": job.pk})).status_code == status


@pytest.mark.django_db
def test_an_expired_export_is_gone(client):
    from django.utils import timezone

    owner = UserFactory(roles=[Role.DPO])
    job = done_job(owner)
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now())
    sign_in(client, owner, step_up=True)
    assert client.get(reverse("exports:download", kwargs={"pk": job.pk})).status_code == 410


@pytest.mark.django_db
def test_the_progress_partial_keeps_polling_until_the_job_has_finished(client):
    owner = UserFactory(roles=[Role.DPO])
    job = ExportJob.objects.create(kind=TOM_ANNEX, requested_by=owner, status=ExportJob.Status.RUNNING, progress=50)
    sign_in(client, owner)
    url = reverse("exports:detail", kwargs={"pk": job.pk})
    partial = client.get(url, headers={"HX-Request": "true"})
    body = partial.content.decode()
    assert "<html" not in body and 'data-hx-trigger="every 2s"' in body and 'value="50"' in body
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.FAILED, error="boom")
    body = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in body and "boom" in body
    assert "<html" in client.get(url).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("jobs", [2, 12])
def test_my_exports_lists_only_own_jobs_in_a_fixed_number_of_queries(client, django_assert_max_num_queries, jobs):
    owner = UserFactory(roles=[Role.DPO])
    for _ in range(jobs):
        ExportJob.objects.create(kind=TOM_ANNEX, requested_by=owner, title="Mine")
    ExportJob.objects.create(kind=TOM_ANNEX, requested_by=UserFactory(), title="Someone else's")
    sign_in(client, owner)
    # Fixed whatever the number of jobs and however many export kinds offer the customers as subjects.
    with django_assert_max_num_queries(11) as queries:
        response = client.get(reverse("exports:list"))
    body = response.content.decode()
    assert body.count(">Mine</a>") == jobs and "Someone else" not in body
    customer_reads = [q["sql"] for q in queries.captured_queries if 'FROM "controls_customer"' in q["sql"]]
    assert len(customer_reads) == 1, customer_reads


@pytest.mark.django_db
def test_the_kinds_about_customers_offer_each_active_customer_and_their_own_whole_set(client):
    from controls.models import Customer

    owner = UserFactory(roles=[Role.DPO])
    Customer.objects.create(slug="acme", name="Acme GmbH", is_active=True)
    Customer.objects.create(slug="gone", name="Gone Ltd", is_active=False)
    sign_in(client, owner)
    choices = dict(client.get(reverse("exports:list")).context["form"].fields["document"].choices)
    assert choices["TOM annex"] == [("controls.tom_annex|", "All customers"), ("controls.tom_annex|acme", "Acme GmbH")]
    assert choices["Sub-processor list"] == [("controls.subprocessor_list|acme", "Acme GmbH")]
    assert choices["Record of processing (PDF)"] == [("controls.processing_record|", "All customers (the whole set)"),
                                                     ("controls.processing_record|acme", "Acme GmbH")]


def test_rendering_is_routed_to_its_own_queue_and_notices_are_not():
    from portal.celery import app

    assert app.amqp.router.route({}, "exports.export_render_task")["queue"].name == "exports"
    assert app.amqp.router.route({}, "exports.annex_notice_send_task")["queue"].name == "default"


@pytest.mark.django_db(transaction=True)
def test_the_request_message_says_ready_when_the_job_ran_at_once_and_queued_otherwise(signed_in):
    client, _ = signed_in(Role.DPO, step_up=True)
    # Outside a test transaction the task runs eagerly when the request commits, before the redirect.
    response = client.post(reverse("exports:request"), {"document": f"{TOM_ANNEX}|"}, follow=True)
    assert "TOM annex: All customers is ready to download." in response.content.decode()
    # With the task only handed to the broker (no worker has run it yet), the job is still queued.
    with patch("portal.exports.tasks.export_render_task.apply_async") as publish:
        response = client.post(reverse("exports:request"), {"document": f"{TOM_ANNEX}|"}, follow=True)
    assert publish.call_count == 1
    assert "is queued. This page follows its progress." in response.content.decode()


def test_a_german_file_name_spells_umlauts_and_eszett_the_german_way():
    kind = registry.get_kind("controls.tom_annex")
    snapshot = {"title": "Technische und organisatorische Maßnahmen", "subject_label": "Müller Öl GmbH"}
    assert kind.filename(snapshot, version=2) == "technische-und-organisatorische-massnahmen-mueller-oel-gmbh-v2.pdf"
