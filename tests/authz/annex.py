"""The TOM annex's own pages in the controls app: the DPO's decisions, a customer's annex terms, the customers'
answers to a new version (recorded by the DPO, or given through the secret reply link)."""

from portal.accounts.roles import Role
from tests.authz.spec import PUBLIC, Access

PUBLISHERS = [Role.DPO.value, Role.ADMIN.value]
MANAGERS = [Role.DPO.value, Role.ADMIN.value]
_built: dict = {}


def _blocked_control(owner):
    from tests.controls.factories import ControlFactory

    control = ControlFactory()  # implemented, without evidence in date: it blocks publishing
    _built["control"] = control
    return {"pk": control.pk}


def _plan_data():
    from datetime import timedelta

    from django.utils import timezone

    control = _built["control"]
    return {f"plan-{control.pk}-planned_for": (timezone.localdate() + timedelta(days=30)).isoformat(),
            f"plan-{control.pk}-expected_version": control.version}


def _justify_data():
    control = _built["control"]
    return {f"justify-{control.pk}-justification": "Evidence renewal under way; the measure runs unchanged."}


def _notice(owner=None):
    from controls.exports_annex import TOM_ANNEX
    from controls.models_annex import AnnexNotice
    from portal.exports.services import annex_publish
    from tests.controls.factories import CustomerFactory, StatedControlFactory
    from tests.factories import UserFactory

    customer = CustomerFactory()
    StatedControlFactory()
    version = annex_publish(kind_name=TOM_ANNEX, subject_key=customer.slug, actor=UserFactory(roles=[Role.DPO]))
    notice = AnnexNotice.objects.get(annex_version=version)
    _built["notice"] = notice
    return notice


def _notice_kwargs(owner):
    notice = _notice()
    return {"slug": notice.customer.slug, "pk": notice.pk}


def _reply_token(owner):
    from controls.services_annex import notice_token

    return {"token": notice_token(_notice())}


def _customer(owner):
    from tests.controls.factories import CustomerFactory

    return {"slug": CustomerFactory().slug}


ENTRIES = [
    Access("controls:annex_decisions", PUBLISHERS),
    Access("controls:annex_decide_plan", PUBLISHERS, method="post", ok=302, kwargs=_blocked_control,
           data=_plan_data, step_up=True),
    Access("controls:annex_decide_justify", PUBLISHERS, method="post", ok=302, kwargs=_blocked_control,
           data=_justify_data, step_up=True),
    # Form pages: an empty POST is refused with the form's messages.
    Access("customers:annex_terms", MANAGERS, kwargs=_customer, also={"post": 400}),
    Access("customers:annex_notice", PUBLISHERS, kwargs=_notice_kwargs, also={"post": 400}),
    # The secret link in a notice is the credential: no account, no MFA; an unknown token is a 404.
    Access("respond:annex", PUBLIC, anonymous=200, mfa_exempt=True, kwargs=_reply_token, also={"post": 400}),
]
