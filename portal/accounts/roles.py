"""Roles are Django groups with model permissions; this module is their single definition.

`roles_sync()` makes the database match this table. It runs after every migrate,
so a permission added by a new model reaches its roles without a data migration.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """The value is the group's name (stored); the label is what people read, in their language."""

    ADMIN = "Admin", _("Admin")
    DPO = "DPO", _("DPO")
    SECURITY_OFFICER = "Security officer", _("Security officer")
    INCIDENT_RESPONDER = "Incident responder", _("Incident responder")
    EMPLOYEE = "Employee", _("Employee")
    AUDITOR = "Auditor", _("Auditor")


def role_label(name: str) -> str:
    """The translated label of a role name; a name that is no role (an old group) shows as itself."""
    try:
        return str(Role(name).label)
    except ValueError:
        return name


# "app_label.codename" per role. Entries for apps whose models do not exist yet are
# skipped by roles_sync() and picked up by the migrate that creates them.
# The DPO runs the programme: controls, customers, annexes, the audit trail, invitations.
_DPO = [
    "core.view_programme",
    "accounts.view_user",
    "accounts.invite_user",
    "audit.view_auditevent",
    "controls.view_control",
    "controls.add_control",
    "controls.change_control",
    "controls.change_any_control",
    "controls.review_control",
    "controls.view_customer",
    "controls.add_customer",
    "controls.change_customer",
    "controls.view_subprocessor",
    "controls.add_subprocessor",
    "controls.change_subprocessor",
    "controls.manage_subprocessor_change",
    "controls.view_processingcategory",
    "controls.add_processingcategory",
    "controls.change_processingcategory",
    "controls.delete_processingcategory",
    "exports.download_any_exportjob",
    "exports.view_annexversion",
    "exports.publish_annexversion",
    "exports.request_evidence_pack",
    # Training: the DPO writes the courses, keeps the employee directory and reads every result.
    "training.view_course",
    "training.add_course",
    "training.change_course",
    "training.view_training_report",
    "training.manage_directory",
    "retention.view_retentionpolicy",
    "retention.add_retentionpolicy",
    "retention.change_retentionpolicy",
    "retention.run_retention",
    "retention.view_retentionrun",
    "retention.view_legalhold",
    "retention.set_legal_hold",
    "retention.view_offboarding",
    "retention.change_offboarding",
    # Incidents: every case, the notification decisions.
    "incidents.view_incident",
    "incidents.add_incident",
    "incidents.change_incident",
    "incidents.work_incident",
    "incidents.view_all_incidents",
    "incidents.decide_incident",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    # An administrator can do what the DPO does, and manages people and deliveries.
    Role.ADMIN: [
        *_DPO,
        "accounts.change_user",
        "accounts.manage_roles",
        "accounts.reset_mfa",
        "accounts.deactivate_user",
        # Sign-in lockouts (django-axes' rows): seeing who is locked, and lifting a lock.
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
        "notifications.retry_delivery",
    ],
    Role.DPO: _DPO,
    # Security officers change and review only the controls they own: controls.services checks ownership
    # unless the user also holds controls.change_any_control.
    Role.SECURITY_OFFICER: [
        "controls.view_control",
        "controls.change_control",
        "controls.review_control",
        "controls.view_customer",
        "controls.view_subprocessor",
    ],
    # Responders see only the cases they are assigned to (a django-guardian grant per case).
    Role.INCIDENT_RESPONDER: [
        "controls.view_customer",
        "incidents.view_incident",
        "incidents.add_incident",
        "incidents.change_incident",
        "incidents.work_incident",
    ],
    Role.EMPLOYEE: [],
    Role.AUDITOR: [
        "core.view_programme",
        "accounts.view_user",
        "controls.view_control",
        "controls.view_customer",
        "controls.view_subprocessor",
        "controls.view_processingcategory",
        "audit.view_auditevent",
        "exports.download_any_exportjob",
        "exports.view_annexversion",
        "exports.request_evidence_pack",
        "training.view_training_report",
        "retention.view_retentionpolicy",
        "retention.view_retentionrun",
        "retention.view_legalhold",
        "retention.view_offboarding",
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
