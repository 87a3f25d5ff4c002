"""Stored exports and published annex versions are covered by key rotation, re-encryption and key retirement."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from portal.accounts.roles import Role
from portal.exports.models import AnnexVersion, ExportJob
from portal.exports.services import annex_publish
from portal.security.keys import get_key_provider
from portal.security.registry import encrypted_file_sets
from portal.security.storage import file_key_id
from tests.conftest import sign_in
from tests.controls.factories import StatedControlFactory
from tests.exports.builders import PDF_BYTES, done_job
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=out)
    return out.getvalue()


def _download(client, url_name: str, pk) -> bytes:
    response = client.get(reverse(url_name, kwargs={"pk": pk}))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_export_jobs_and_annex_versions_are_registered_for_re_encryption():
    registered = {file_set.label: file_set for file_set in encrypted_file_sets()}
    assert registered["exports.exportjob"].model is ExportJob
    assert registered["exports.annexversion"].model is AnnexVersion
    assert registered["exports.exportjob"].key_id_field == registered["exports.annexversion"].key_id_field == (
        "file_key_id"
    )


def test_an_old_export_and_an_old_annex_still_download_after_rotation_reencryption_and_retirement(client):
    dpo = UserFactory(roles=[Role.DPO])
    StatedControlFactory(reference="TOM-ROT-01")
    job = done_job(dpo)
    version = annex_publish(kind_name="controls.tom_annex", subject_key="", actor=dpo)
    old_key = get_key_provider().current_key()[0]
    assert job.file_key_id == version.file_key_id == old_key
    sign_in(client, dpo, step_up=True)
    annex_before = _download(client, "exports:version_download", version.pk)

    _run("rotate_keys")
    output = _run("reencrypt")
    assert "exports.exportjob" in output and "exports.annexversion" in output
    job.refresh_from_db()
    version.refresh_from_db()
    new_key = get_key_provider().current_key()[0]
    assert new_key != old_key
    assert job.file_key_id == file_key_id(job.file_path) == new_key
    assert version.file_key_id == file_key_id(version.file_path) == new_key

    _run("retire_key", old_key)
    assert old_key not in get_key_provider().key_ids()
    assert _download(client, "exports:download", job.pk) == PDF_BYTES
    assert _download(client, "exports:version_download", version.pk) == annex_before
