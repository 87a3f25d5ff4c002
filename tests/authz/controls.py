import io

from portal.accounts.roles import Role
from tests.authz.spec import EVERY_VERIFIED_USER, Access

MANAGERS = [Role.DPO.value, Role.ADMIN.value]
# The matrix builds each object for the signed-in role, so a security officer here owns the control;
# the outsider is another security officer, who may read the register but not change that control (403).
CONTROL_EDITORS = [Role.SECURITY_OFFICER.value, *MANAGERS]
CONTROL_READERS = [*CONTROL_EDITORS, Role.AUDITOR.value]
CUSTOMER_READERS = [*MANAGERS, Role.SECURITY_OFFICER.value, Role.AUDITOR.value, Role.INCIDENT_RESPONDER.value]


def _control(owner):
    from tests.controls.factories import ControlFactory

    return {"pk": ControlFactory(owner=owner).pk}


def _customer(owner):
    from tests.controls.factories import CustomerFactory

    return {"slug": CustomerFactory().slug}


def _override(owner):
    from tests.controls.factories import OverrideFactory

    override = OverrideFactory()
    return {"slug": override.customer.slug, "pk": override.pk}


def _override_data():
    from tests.controls.factories import ControlFactory

    return {"control": ControlFactory().pk, "mode": "exclude", "reason": "Runs its own support desk."}


def _bulk_owner_data():
    from tests.controls.factories import ControlFactory
    from tests.factories import UserFactory

    owner = UserFactory(roles=[Role.SECURITY_OFFICER])
    return {"controls": [ControlFactory().pk], "owner": owner.pk}


def _evidence_note(owner):
    from tests.controls.factories import ControlFactory, EvidenceFactory

    return {"pk": EvidenceFactory(control=ControlFactory(owner=owner)).pk}


def _removed_evidence(owner):
    from django.utils import timezone

    from tests.controls.factories import ControlFactory, EvidenceFactory

    evidence = EvidenceFactory(control=ControlFactory(owner=owner), removed_at=timezone.now(), removal_reason="Old.")
    return {"pk": evidence.pk}


def _evidence_file(owner):
    from controls.models import Evidence
    from controls.services_evidence import evidence_add
    from tests.controls.factories import ControlFactory
    from tests.factories import UserFactory

    uploader = UserFactory(roles=[Role.DPO])
    evidence = evidence_add(
        control=ControlFactory(owner=owner), actor=uploader, kind=Evidence.Kind.FILE, title="Scan report",
        upload=io.BytesIO(b"%PDF-1.7\n%%EOF\n"), filename="scan.pdf",
    )
    return {"pk": evidence.pk}


def _control_for_api(owner):
    from tests.controls.factories import ControlFactory

    return {"pk": ControlFactory(owner=owner).pk}


ENTRIES = [
    Access("controls:list", CONTROL_READERS),
    Access("controls:coverage", CONTROL_READERS),
    Access("controls:create", MANAGERS, also={"post": 200}),
    Access("controls:detail", CONTROL_READERS, kwargs=_control),
    Access("controls:edit", CONTROL_EDITORS, kwargs=_control, outsider=403, owner_role=Role.SECURITY_OFFICER.value,
           note="security officers edit only the controls they own", also={"post": 200}),
    Access("controls:review", CONTROL_EDITORS, kwargs=_control, outsider=403, owner_role=Role.SECURITY_OFFICER.value,
           note="security officers review only the controls they own", also={"post": 200}),
    Access("controls:bulk_owner", MANAGERS, method="post", ok=302, data=_bulk_owner_data),
    Access("controls:bulk_owner_form", MANAGERS),
    Access("controls:export", CONTROL_READERS, step_up=True),
    Access("controls:import", MANAGERS, also={"post": 200}),
    Access("controls:evidence_add", CONTROL_EDITORS, kwargs=_control, outsider=403,
           owner_role=Role.SECURITY_OFFICER.value,
           note="security officers add evidence only to the controls they own", also={"post": 200}),
    Access("controls:evidence_download", CONTROL_READERS, kwargs=_evidence_file, denied=404,
           note="loaded through the scoped selector: whoever may not see the control gets 404"),
    Access("controls:evidence_remove", CONTROL_EDITORS, method="post", ok=302, kwargs=_evidence_note,
           data=lambda: {"reason": "Superseded by the 2025 report."}, outsider=403,
           owner_role=Role.SECURITY_OFFICER.value),
    Access("controls:evidence_restore", CONTROL_EDITORS, method="post", ok=302, kwargs=_removed_evidence,
           outsider=403, owner_role=Role.SECURITY_OFFICER.value),
    # The API answers in JSON: 401 without credentials, 403 for a session that has not passed MFA (a browser
    # asking for HTML is sent to its MFA step instead: tests/accounts).
    Access("api:control-list", CONTROL_READERS, anonymous=401, unverified=403, also={"head": 200, "options": 200}),
    Access("api:control-detail", CONTROL_READERS, kwargs=_control_for_api, anonymous=401, unverified=403,
           also={"head": 200, "options": 200}),
    Access("api:evidence-list", CONTROL_READERS, anonymous=401, unverified=403, also={"head": 200, "options": 200}),
    Access("api:evidence-detail", CONTROL_READERS, kwargs=_evidence_note, anonymous=401, unverified=403,
           also={"head": 200, "options": 200}),
    Access("api:schema", EVERY_VERIFIED_USER, anonymous=401, unverified=403, also={"head": 200, "options": 200}),
    Access("api:tokens", CONTROL_READERS, unverified=403),
    Access("api:token_create", CONTROL_READERS, method="post", unverified=403, step_up=True),
    Access("api:token_revoke", CONTROL_READERS, method="post", ok=302, unverified=403),
    Access("customers:list", CUSTOMER_READERS),
    Access("customers:create", MANAGERS, also={"post": 200}),
    Access("customers:detail", CUSTOMER_READERS, kwargs=_customer),
    Access("customers:edit", MANAGERS, kwargs=_customer, also={"post": 200}),
    Access("customers:override_set", MANAGERS, method="post", ok=302, kwargs=_customer, data=_override_data),
    Access("customers:override_remove", MANAGERS, method="post", ok=302, kwargs=_override),
]
