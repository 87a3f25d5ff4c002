from portal.accounts.roles import Role
from tests.authz.spec import Access

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


ENTRIES = [
    Access("controls:list", CONTROL_READERS),
    Access("controls:coverage", CONTROL_READERS),
    Access("controls:create", MANAGERS),
    Access("controls:detail", CONTROL_READERS, kwargs=_control),
    Access("controls:edit", CONTROL_EDITORS, kwargs=_control, outsider=403, owner_role=Role.SECURITY_OFFICER.value,
           note="security officers edit only the controls they own"),
    Access("controls:review", CONTROL_EDITORS, kwargs=_control, outsider=403, owner_role=Role.SECURITY_OFFICER.value,
           note="security officers review only the controls they own"),
    Access("controls:bulk_owner", MANAGERS, method="post", ok=302, data=_bulk_owner_data),
    Access("customers:list", CUSTOMER_READERS),
    Access("customers:create", MANAGERS),
    Access("customers:detail", CUSTOMER_READERS, kwargs=_customer),
    Access("customers:edit", MANAGERS, kwargs=_customer),
    Access("customers:override_set", MANAGERS, method="post", ok=302, kwargs=_customer, data=_override_data),
    Access("customers:override_remove", MANAGERS, method="post", ok=302, kwargs=_override),
]
