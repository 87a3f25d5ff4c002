from portal.accounts.roles import Role
from tests.authz.spec import EVERY_VERIFIED_USER, PUBLIC, Access

TOM_ANNEX = "controls.tom_annex"
REQUESTERS = [Role.ADMIN, Role.DPO, Role.SECURITY_OFFICER, Role.AUDITOR]
ANNEX_READERS = [Role.ADMIN, Role.DPO, Role.AUDITOR]
PUBLISHERS = [Role.ADMIN, Role.DPO]


def _queued_job(owner):
    from portal.exports.models import ExportJob

    return {"pk": ExportJob.objects.create(kind=TOM_ANNEX, requested_by=owner).pk}


def _done_job(owner):
    from tests.exports.builders import done_job

    return {"pk": done_job(owner).pk}


def _published_version():
    from portal.exports.services import annex_publish
    from tests.factories import UserFactory

    return annex_publish(kind_name=TOM_ANNEX, subject_key="", actor=UserFactory(roles=[Role.DPO]))


ENTRIES = [
    Access("exports:list", EVERY_VERIFIED_USER),
    Access("exports:request", [*REQUESTERS, Role.INCIDENT_RESPONDER], method="post", ok=(302, 400),
           data=lambda: {"document": f"{TOM_ANNEX}|"},
           note="responders request only their cases' notices: the TOM annex is not among their choices (400)",
           step_up=True),
    # The kind's permission is asked again at every read (selectors.job_readable_by): a role that may not request
    # the TOM annex does not read a job of it, whoever made it.
    Access("exports:detail", REQUESTERS, kwargs=_queued_job, denied=404, owner_role=Role.SECURITY_OFFICER,
           outsider=404),
    Access("exports:download", REQUESTERS, kwargs=_done_job, denied=404, owner_role=Role.SECURITY_OFFICER,
           outsider=404, note="the requester; DPO, admin and auditor may download anyone's export of a kind they "
                              "may request", step_up=True),
    Access("exports:annex_list", ANNEX_READERS),
    Access("exports:annex_detail", ANNEX_READERS, kwargs=lambda owner: {"kind": TOM_ANNEX, "subject": "all"}),
    Access("exports:annex_publish", PUBLISHERS, method="post", ok=302,
           kwargs=lambda owner: {"kind": TOM_ANNEX, "subject": "all"}, data=lambda: {"content_sha256": "0" * 64},
           note="a stale content hash publishes nothing and returns to the diff", step_up=True),
    Access("exports:version_download", ANNEX_READERS, kwargs=lambda owner: {"pk": _published_version().pk},
           step_up=True),
    Access("verify:document", PUBLIC, anonymous=200, mfa_exempt=True,
           kwargs=lambda owner: {"sha256": _published_version().snapshot_sha256}),
]
