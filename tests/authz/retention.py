from datetime import date

from portal.accounts.roles import Role
from tests.authz.spec import Access

READERS = [Role.ADMIN, Role.DPO, Role.AUDITOR]
MANAGERS = [Role.ADMIN, Role.DPO]


def _policy(owner):
    from portal.retention.models import RetentionPolicy

    policy = RetentionPolicy.objects.create(
        key="notifications", data_category="Notices", system="Annex database", purpose="Reminders",
        legal_basis="Art. 6(1)(f) GDPR", period_months=6, counts_from="creation", action="delete")
    return {"pk": policy.pk}


def _interrupted_run(owner):
    from portal.retention.models import RetentionRun

    return {"pk": RetentionRun.objects.create(trigger="command", status="failed").pk}


def _hold(owner):
    from portal.retention.services import legal_hold_set
    from tests.factories import UserFactory

    hold = legal_hold_set(obj=UserFactory(), reason="Pending claim", actor=UserFactory(roles=[Role.DPO]))
    return {"pk": hold.pk}


def _hold_data():
    from tests.factories import UserFactory

    return {"kind": "accounts.user", "identifier": UserFactory().email, "reason": "Pending claim"}


def _offboarding(owner):
    from django.contrib.contenttypes.models import ContentType

    from portal.retention.models import Offboarding, OffboardingStep
    from tests.controls.factories import CustomerFactory
    from tests.factories import UserFactory

    customer = CustomerFactory(contract_ends_on=date(2026, 6, 30), end_of_contract_choice="delete")
    offboarding = Offboarding.objects.create(
        content_type=ContentType.objects.get_for_model(customer), object_id=str(customer.pk),
        subject_label=customer.name, subject_key=customer.slug, contract_ends_on=customer.contract_ends_on,
        choice="delete",
        started_by=UserFactory(roles=[Role.DPO]))
    step = OffboardingStep.objects.create(offboarding=offboarding, position=1, system="Hosting", data_category="All")
    return {"pk": offboarding.pk, "step": step.pk}


def _customer(owner):
    from portal.retention.models import RetentionPolicy
    from tests.controls.factories import CustomerFactory

    RetentionPolicy.objects.create(
        key="hosting", data_category="Customer data", system="Hosting platform", purpose="The services",
        legal_basis="Art. 28 GDPR", period_months=0, counts_from="contract_end", action="delete",
        covers_customer_data=True)
    customer = CustomerFactory(contract_ends_on=date(2026, 6, 30), end_of_contract_choice="return")
    return {"slug": customer.slug}


ENTRIES = [
    Access("retention:policy_list", READERS),
    Access("retention:policy_export", READERS, note="audited; after step-up", step_up=True),
    Access("retention:policy_create", MANAGERS, also={"post": 200}),
    Access("retention:policy_edit", MANAGERS, kwargs=lambda owner: _policy(owner), also={"post": 200}),
    Access("retention:policy_review", MANAGERS, method="post", ok=302, kwargs=lambda owner: _policy(owner)),
    Access("retention:policies_add_defaults", MANAGERS, method="post", ok=302),
    Access("retention:run_preview", MANAGERS),
    Access("retention:run_start", MANAGERS, method="post", ok=302, note="after step-up MFA", step_up=True),
    Access("retention:run_detail", READERS, kwargs=_interrupted_run),
    Access("retention:run_certify", MANAGERS, method="post", ok=302, kwargs=_interrupted_run,
           note="an interrupted run gets no certificate: the page says so", step_up=True),
    Access("retention:hold_list", READERS),
    Access("retention:hold_set", MANAGERS, method="post", ok=302, data=_hold_data),
    Access("retention:hold_release", MANAGERS, method="post", ok=302, kwargs=_hold,
           data=lambda: {"reason": "Claim settled"}),
    Access("retention:offboarding_list", READERS),
    Access("retention:offboarding_detail", READERS, kwargs=lambda owner: {"pk": _offboarding(owner)["pk"]}),
    Access("retention:offboarding_step_confirm", MANAGERS, method="post", ok=302, kwargs=_offboarding,
           data=lambda: {"evidence": "Ticket OPS-1234: volumes wiped"}),
    Access("retention:offboarding_complete", MANAGERS, method="post", ok=302,
           kwargs=lambda owner: {"pk": _offboarding(owner)["pk"]},
           note="an open step: refused with a message", step_up=True),
    Access("customers:offboarding_start", MANAGERS, method="post", ok=302, kwargs=_customer, step_up=True),
]
