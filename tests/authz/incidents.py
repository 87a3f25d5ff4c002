"""Incident cases are need-to-know: the matrix builds each case with the signed-in user assigned (responders)
or seeing every case (DPO, admin); the outsider is another responder, who gets 404 as for a wrong id."""

import io

from portal.accounts.roles import Role
from tests.authz.spec import EVERY_VERIFIED_USER, Access

WORKERS = [Role.INCIDENT_RESPONDER.value, Role.DPO.value, Role.ADMIN.value]
DECIDERS = [Role.DPO.value, Role.ADMIN.value]


def _case_for(owner, **fields):
    from incidents import services
    from tests.controls.factories import CustomerFactory
    from tests.factories import UserFactory

    opener = UserFactory(roles=[Role.INCIDENT_RESPONDER])
    incident = services.incident_open(actor=opener, title="Lost laptop", description="Unencrypted disk.",
                                      customers=[CustomerFactory()], **fields)
    if services.assignable_users().filter(pk=owner.pk).exists():
        incident = services.incident_assign(incident=incident, actor=opener, user=owner)
    return incident


def _case(owner):
    return {"pk": _case_for(owner).pk}


def _obligation(owner):
    return {"pk": _case_for(owner).obligations.first().pk}


def _task(owner):
    from incidents import services

    incident = _case_for(owner)
    opener = incident.assignees.exclude(pk=owner.pk).first()
    return {"pk": services.task_add(incident=incident, actor=opener, title="Rotate keys").pk}


def _evidence(owner):
    from incidents import services

    incident = _case_for(owner)
    opener = incident.assignees.exclude(pk=owner.pk).first()
    evidence = services.evidence_add(incident=incident, actor=opener, title="Proxy log",
                                     upload=io.BytesIO(b"10:02 GET /export"), filename="proxy.log")
    return {"pk": evidence.pk}


def _unassign(owner):
    incident = _case_for(owner)
    other = incident.assignees.exclude(pk=owner.pk).first()
    return {"pk": incident.pk, "user_pk": other.pk}


def _export_kwargs(owner):
    return {"pk": _case_for(owner).pk, "kind": "art33"}


ENTRIES = [
    Access("incidents:board", WORKERS),
    Access("incidents:create", WORKERS, also={"post": 400}),
    Access("incidents:report", EVERY_VERIFIED_USER,
           note="everyone may report a suspected breach; the case it opens stays need-to-know", also={"post": 400}),
    Access("incidents:register", DECIDERS),
    Access("incidents:register_export", DECIDERS, method="post", ok=302, step_up=True),
    Access("incidents:detail", WORKERS, kwargs=_case, outsider=404),
    Access("incidents:edit", WORKERS, kwargs=_case, outsider=404, also={"post": 400}),
    Access("incidents:aware_at", WORKERS, method="post", ok=400, kwargs=_case, outsider=404,
           note="an empty form is refused and shown again"),
    Access("incidents:phase", WORKERS, method="post", ok=302, kwargs=_case, outsider=404,
           data=lambda: {"phase": "contained"}),
    Access("incidents:assign", WORKERS, method="post", ok=400, kwargs=_case, outsider=404),
    Access("incidents:unassign", WORKERS, method="post", ok=302, kwargs=_unassign, outsider=404),
    Access("incidents:timeline", WORKERS, kwargs=_case, outsider=404, also={"post": 400}),
    Access("incidents:task_add", WORKERS, method="post", ok=302, kwargs=_case, outsider=404,
           data=lambda: {"title": "Reset the shared password"}),
    Access("incidents:task_done", WORKERS, method="post", ok=302, kwargs=_task, outsider=404),
    Access("incidents:evidence_add", WORKERS, method="post", ok=400, kwargs=_case, outsider=404),
    Access("incidents:evidence_download", WORKERS, kwargs=_evidence, outsider=404),
    Access("incidents:not_required", DECIDERS, method="post", ok=302, kwargs=_obligation,
           data=lambda: {"rationale": "The customer's data on the laptop were encrypted with a held key."}),
    Access("incidents:assess", WORKERS, kwargs=_case, outsider=404, also={"post": 400}),
    Access("incidents:decide", DECIDERS, method="post", ok=400, kwargs=_case,
           note="no assessment yet: refused and shown again"),
    Access("incidents:notice", WORKERS, kwargs=_case, outsider=404, also={"post": 400}),
    Access("incidents:close", WORKERS, kwargs=_case, outsider=404, also={"post": 400}),
    Access("incidents:export", WORKERS, method="post", ok=302, kwargs=_export_kwargs, outsider=404, step_up=True),
    Access("incidents_api:intake", WORKERS, method="post", ok=201, anonymous=401, unverified=403,
           data=lambda: {"source": "ids", "external_id": "alert-1", "title": "Port scan then login burst"},
           also={"options": 200}),
]
