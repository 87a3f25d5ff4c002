from portal.accounts.roles import Role
from tests.authz.spec import Access

READERS = [Role.ADMIN, Role.DPO, Role.AUDITOR]


def _an_event(owner) -> dict:
    from portal.audit.models import AuditAction
    from portal.audit.services import audit_record

    return {"seq": audit_record(action=AuditAction.LOGIN, actor=owner, target=owner).seq}


ENTRIES = [
    Access("audit:event_list", READERS),
    # The trail is not need-to-know per event: every reader sees every event, so no outsider case.
    Access("audit:event_detail", READERS, kwargs=_an_event),
    Access("audit:export_csv", READERS, note="needs a step-up MFA check within 15 minutes", step_up=True),
]
