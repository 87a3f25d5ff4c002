"""Demo accounts: one per role, each with a confirmed TOTP device, and one pending invitation. Idempotent."""

from datetime import date

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from portal.accounts.models import Invitation, TOTPDevice, User
from portal.accounts.roles import Role, roles_sync

DEMO_PASSWORD = "annex-demo-password"
DEMO_DOMAIN = "demo.annex.test"

DEMO_PEOPLE = [
    # email local part, name, department, roles, employee id, hire date
    ("admin", "Ada Admin", "IT", [Role.ADMIN], "E-1001", date(2019, 3, 1)),
    ("dpo", "Dana Privacy", "Legal & Compliance", [Role.DPO], "E-1002", date(2020, 1, 15)),
    ("security", "Sam Security", "Security", [Role.SECURITY_OFFICER], "E-1003", date(2020, 6, 1)),
    ("responder", "Rico Responder", "Security", [Role.INCIDENT_RESPONDER], "E-1004", date(2021, 2, 1)),
    ("employee", "Emma Employee", "Customer Support", [Role.EMPLOYEE], "E-1005", date(2024, 9, 2)),
    ("auditor", "Aude Auditor", "Internal Audit", [Role.AUDITOR], "E-1006", date(2022, 4, 11)),
    # The German-speaking DPO: Annex speaks German to her, in pages, emails and reminders.
    ("dsb", "Dörte Schubert", "Datenschutz", [Role.DPO], "E-1007", date(2021, 5, 3)),
]
# Everyone else follows the browser; these read Annex in their own language.
DEMO_LANGUAGES = {"dsb": "de"}


@transaction.atomic
def seed_users() -> list[tuple[User, TOTPDevice, list[str]]]:
    roles_sync()
    created = []
    managers: dict[str, User] = {}
    for local, name, dept, roles, emp_id, hired in DEMO_PEOPLE:
        user, is_new = User.objects.get_or_create(
            email=f"{local}@{DEMO_DOMAIN}",
            defaults={"full_name": name, "department": dept, "employee_id": emp_id, "hire_date": hired,
                      "language": DEMO_LANGUAGES.get(local, ""), "time_zone": "Europe/Berlin" if local in DEMO_LANGUAGES
                      else ""},
        )
        if is_new:
            user.set_password(DEMO_PASSWORD)
            user.is_staff = Role.ADMIN in roles
            user.is_superuser = Role.ADMIN in roles
            user.save()
            user.groups.set(Group.objects.filter(name__in=[r.value for r in roles]))
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="Demo authenticator", confirmed=True)
        managers[local] = user
        created.append((user, device, [r.value for r in roles]))
    # Reporting lines: employees report to the security officer, who reports to the DPO.
    for local, manager in (("employee", "security"), ("responder", "security"), ("security", "dpo")):
        user = managers[local]
        if user.manager_id is None:
            user.manager = managers[manager]
            user.save(update_fields=["manager"])
    seed_invitation(actor=managers["admin"])
    return created


DEMO_INVITEE = (f"newcomer@{DEMO_DOMAIN}", "Nico Newcomer", [Role.EMPLOYEE])


def seed_invitation(*, actor: User) -> Invitation | None:
    """One pending invitation; its link is in the invitation email (printed by the console backend)."""
    from portal.accounts.services import invitation_create

    email, name, roles = DEMO_INVITEE
    if User.objects.filter(email__iexact=email).exists():
        return None
    pending = Invitation.objects.filter(
        email__iexact=email, accepted_at=None, revoked_at=None, expires_at__gt=timezone.now()
    ).first()
    if pending is not None:
        return pending
    invitation, _token = invitation_create(actor=actor, email=email, full_name=name, roles=[r.value for r in roles])
    return invitation
