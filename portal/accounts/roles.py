"""Roles are Django groups with model permissions; this module is their single definition.

`roles_sync()` makes the database match this table. It runs after every migrate,
so a permission added by a new model reaches its roles without a data migration.
"""

from django.db import models


class Role(models.TextChoices):
    ADMIN = "Admin"
    DPO = "DPO"
    SECURITY_OFFICER = "Security officer"
    INCIDENT_RESPONDER = "Incident responder"
    EMPLOYEE = "Employee"
    AUDITOR = "Auditor"


# "app_label.codename" per role. Entries for apps whose models do not exist yet are
# skipped by roles_sync() and picked up by the migrate that creates them.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.ADMIN: [
        "accounts.view_user",
        "accounts.change_user",
        "accounts.manage_roles",
        "accounts.invite_user",
        "accounts.reset_mfa",
        "accounts.deactivate_user",
        "audit.view_auditevent",
    ],
    Role.DPO: [
        "accounts.view_user",
        "accounts.invite_user",
        "audit.view_auditevent",
    ],
    Role.SECURITY_OFFICER: [],
    Role.INCIDENT_RESPONDER: [],
    Role.EMPLOYEE: [],
    Role.AUDITOR: [
        "accounts.view_user",
        "audit.view_auditevent",
    ],
}


def roles_sync() -> None:
    """Create the role groups and give each exactly the permissions listed above."""
    from django.contrib.auth.models import Group, Permission

    known = {
        f"{app}.{code}": pk
        for pk, app, code in Permission.objects.values_list("pk", "content_type__app_label", "codename")
    }
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.value)
        wanted = [known[p] for p in ROLE_PERMISSIONS[role] if p in known]
        group.permissions.set(wanted)


def user_has_role(user, *roles: str) -> bool:
    if not user.is_authenticated:
        return False
    names = getattr(user, "_role_cache", None)
    if names is None:
        names = set(user.groups.values_list("name", flat=True))
        user._role_cache = names
    return bool(names.intersection(roles))
