"""Sub-processor register, changes, customers' answers and the records of processing."""

from portal.accounts.roles import Role
from tests.authz.spec import PUBLIC, Access

MANAGERS = [Role.DPO.value, Role.ADMIN.value]
READERS = [*MANAGERS, Role.SECURITY_OFFICER.value, Role.AUDITOR.value]
RECORD_READERS = [*MANAGERS, Role.AUDITOR.value]

# data() runs right after kwargs(owner) for the same request: the notice built there names the form fields.
_built: dict = {}


def _subprocessor(owner):
    from tests.controls.factories_subprocessors import SubProcessorFactory

    return {"slug": SubProcessorFactory().slug}


def _notice(owner=None):
    from django.utils import timezone

    from controls.services_subprocessors import subprocessor_change_open
    from tests.controls.factories import CustomerFactory, ServiceFactory
    from tests.controls.factories_subprocessors import SubProcessorFactory
    from tests.factories import UserFactory

    service = ServiceFactory()
    customer = CustomerFactory()
    customer.services.set([service])
    change = subprocessor_change_open(
        actor=UserFactory(roles=[Role.DPO]), subprocessor=SubProcessorFactory(), kind="addition",
        services=[service], reason="New email provider.", planned_from=timezone.localdate(),
    )
    notice = change.notices.get()
    _built["notice"] = notice
    return notice


def _change(owner):
    return {"pk": _notice().change_id}


def _notice_kwargs(owner):
    notice = _notice()
    return {"pk": notice.change_id, "notice_pk": notice.pk}


def _objected_notice_kwargs(owner):
    from controls.services_subprocessors import notice_respond_by_link, notice_token

    notice = _notice()
    _built["notice"] = notice_respond_by_link(token=notice_token(notice), response="objected", by_name="P",
                                              note="Works council.")
    return {"pk": notice.change_id, "notice_pk": notice.pk}


def _respond_data():
    notice = _built["notice"]
    prefix = f"n{notice.pk}"
    return {f"{prefix}-response": "acknowledged", f"{prefix}-by_name": "Petra Privacy",
            f"{prefix}-expected_version": notice.version}


def _resolve_data():
    notice = _built["notice"]
    prefix = f"r{notice.pk}"
    return {f"{prefix}-resolution": "withdrawn", f"{prefix}-note": "Agreed by phone.",
            f"{prefix}-expected_version": notice.version}


def _reply_token(owner):
    from controls.services_subprocessors import notice_token

    return {"token": notice_token(_notice())}


def _customer(owner):
    from tests.controls.factories import CustomerFactory

    return {"slug": CustomerFactory().slug}


def _category(owner):
    from tests.controls.factories import ServiceFactory
    from tests.controls.factories_subprocessors import ProcessingCategoryFactory

    return {"pk": ProcessingCategoryFactory(service=ServiceFactory()).pk}


def _announce_data():
    from django.utils import timezone

    from tests.controls.factories import ServiceFactory

    return {"kind": "addition", "services": [ServiceFactory().pk], "reason": "Cheaper and in the EU.",
            "planned_from": timezone.localdate().isoformat()}


def _category_data():
    from tests.controls.factories import ServiceFactory

    return {"service": ServiceFactory().pk, "name": "Hosting", "description": "Storing application data."}


ENTRIES = [
    Access("subprocessors:list", READERS),
    Access("subprocessors:create", MANAGERS, also={"post": 200}),
    Access("subprocessors:detail", READERS, kwargs=_subprocessor),
    Access("subprocessors:edit", MANAGERS, kwargs=_subprocessor, also={"post": 200}),
    Access("subprocessors:assess", MANAGERS, method="post", ok=302, kwargs=_subprocessor,
           data=lambda: {"assessed_on": "2026-01-05", "notes": "SOC 2 report reviewed."}),
    Access("subprocessors:change_create", MANAGERS, method="post", ok=302, kwargs=_subprocessor,
           data=_announce_data),
    Access("subprocessors:change_detail", READERS, kwargs=_change),
    Access("subprocessors:change_withdraw", MANAGERS, method="post", ok=302, kwargs=_change,
           data=lambda: {"reason": "Contract not signed."}),
    Access("subprocessors:notice_respond", MANAGERS, method="post", ok=302, kwargs=_notice_kwargs,
           data=_respond_data),
    Access("subprocessors:notice_resolve", MANAGERS, method="post", ok=302, kwargs=_objected_notice_kwargs,
           data=_resolve_data),
    Access("subprocessors:customer", READERS, kwargs=_customer),
    Access("subprocessors:customer_terms", MANAGERS, method="post", ok=302, kwargs=_customer,
           data=lambda: {"authorisation": "general", "notice_days": "30", "expected_version": "0"}),
    Access("subprocessors:records", RECORD_READERS),
    Access("subprocessors:processor_edit", MANAGERS, also={"post": 200}),
    Access("subprocessors:category_add", MANAGERS, method="post", ok=302, data=_category_data),
    Access("subprocessors:category_edit", MANAGERS, kwargs=_category, also={"post": 200}),
    Access("subprocessors:category_remove", MANAGERS, method="post", ok=302, kwargs=_category),
    # The secret link in a notice is the credential: no account, no MFA; an unknown token is a 404.
    Access("respond:subprocessor", PUBLIC, anonymous=200, mfa_exempt=True, kwargs=_reply_token, also={"post": 400}),
]
