"""The employee directory: the HR import (preview, then all-or-nothing) and the processing of leavers."""

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.accounts.services import AccountRuleError, user_deactivate
from portal.audit.services import audit_record
from training.audit_actions import TrainingAction
from training.models import OPEN_STATUSES, Assignment, Department, EmployeeProfile

COLUMNS = ("employee_id", "email", "full_name", "department", "manager", "hire_date", "leaving_date")
REQUIRED = ("email", "full_name")
MAX_BYTES = 5 * 1024 * 1024


@dataclass
class RowError:
    line: int  # 0: the file as a whole
    message: str


@dataclass
class RowChange:
    line: int
    email: str
    full_name: str
    action: str  # "create", "update", "unchanged"
    changes: dict = field(default_factory=dict)  # field -> (before, after)


@dataclass
class ImportResult:
    changes: list[RowChange] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, action: str) -> int:
        return sum(1 for change in self.changes if change.action == action)


def decode_upload(data: bytes) -> str:
    """UTF-8 with or without a byte-order mark, else Windows-1252 (what German spreadsheet software saves)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="strict")


def _dialect(text: str) -> str:
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


def _date(value: str, column: str, errors: list[str]) -> date | None:
    """YYYY-MM-DD, or DD.MM.YYYY as German spreadsheet software writes dates."""
    value = value.strip()
    if not value:
        return None
    try:
        if len(value) == 10 and value[2] == value[5] == ".":
            return date(int(value[6:10]), int(value[3:5]), int(value[0:2]))
        return date.fromisoformat(value)
    except ValueError:
        errors.append(_("%(column)s “%(value)s” is not a date (use YYYY-MM-DD or DD.MM.YYYY).")
                      % {"column": column, "value": value})
        return None


def _manager_key(value: str) -> str:
    """A manager is named by email (compared without case) or by employee id (as written)."""
    return value.lower() if "@" in value else value


def parse_directory_csv(data: bytes) -> tuple[list[tuple[int, dict]], list[RowError]]:
    """Every row checked on its own: (line, clean values) for good rows, an error with its line for each bad one."""
    if len(data) > MAX_BYTES:
        return [], [RowError(0, _("The file is larger than 5 MB."))]
    try:
        text = decode_upload(data)
    except UnicodeDecodeError:
        return [], [RowError(0, _("The file is neither UTF-8 nor Windows-1252 text."))]
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=_dialect(text))
    header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        message = _("The header row lacks the column(s): %(columns)s.") % {"columns": ", ".join(missing)}
        return [], [RowError(1, message)]
    rows, errors = [], []
    seen_emails: dict[str, int] = {}
    seen_ids: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        values = {name: (row.get(name) or "").strip() for name in COLUMNS}
        if not any(values.values()):
            continue
        problems: list[str] = []
        email = values["email"].lower()
        try:
            validate_email(email)
        except ValidationError:
            problems.append(_("“%(value)s” is not an email address.") % {"value": values["email"]})
        if not values["full_name"]:
            problems.append(_("The name is empty."))
        if len(values["employee_id"]) > 32:
            problems.append(_("The employee id is longer than 32 characters."))
        if len(values["department"]) > 100:
            problems.append(_("The department is longer than 100 characters."))
        hire = _date(values["hire_date"], "hire_date", problems)
        leaving = _date(values["leaving_date"], "leaving_date", problems)
        if hire and leaving and leaving < hire:
            problems.append(_("The leaving date is before the hire date."))
        if email in seen_emails:
            problems.append(_("The email address is also on line %(line)s.") % {"line": seen_emails[email]})
        if values["employee_id"] and values["employee_id"] in seen_ids:
            problems.append(_("The employee id is also on line %(line)s.") % {"line": seen_ids[values["employee_id"]]})
        seen_emails.setdefault(email, line)
        if values["employee_id"]:
            seen_ids.setdefault(values["employee_id"], line)
        if problems:
            errors.extend(RowError(line, problem) for problem in problems)
            continue
        rows.append((line, {**values, "email": email, "manager": _manager_key(values["manager"]),
                            "hire_date": hire, "leaving_date": leaving}))
    if not rows and not errors:
        errors.append(RowError(0, _("The file has no rows.")))
    return rows, errors


def _privileged(user_ids) -> set[int]:
    """Of these accounts, those holding a role beyond Employee (or a superuser)."""
    from django.contrib.auth.models import Group

    from portal.accounts.roles import Role

    return set(User.objects.filter(pk__in=user_ids).filter(
        Q(is_superuser=True) | Q(groups__in=Group.objects.exclude(name=Role.EMPLOYEE))).values_list("pk", flat=True))


def _refused(actor, user: User, diff: dict, privileged: set[int]) -> str:
    """Why `actor` may not make this change to an existing account through the directory, or "".

    The directory is HR data, imported by whoever keeps it (the DPO). Who signs in to an account, and whether an
    account with more than an employee's rights ends, stays with those who administer accounts: a changed sign-in
    email would send the account's password reset to the new address, and a leaving date deactivates it."""
    if "email" in diff and not actor.has_perm("accounts.change_user"):
        return _("%(email)s would get the sign-in email address %(new)s: only an administrator of accounts may "
                 "change it.") % {"email": user.email, "new": diff["email"][1]}
    if (diff.get("leaving_date", (None, None))[1] and user.pk in privileged
            and not actor.has_perm("accounts.deactivate_user")):
        return _("%(email)s holds more than an employee's rights: only an administrator of accounts may set a "
                 "leaving date, which ends the account.") % {"email": user.email}
    return ""


def _plan(actor, rows: list[tuple[int, dict]], errors: list[RowError]) -> tuple[list[RowChange], dict]:
    """Match every row to an account (by employee id, else email) and work out what would change."""
    ids = [values["employee_id"] for _line, values in rows if values["employee_id"]]
    emails = [values["email"] for _line, values in rows]
    managers = {values["manager"] for _line, values in rows if values["manager"]}
    profiles_by_id = {p.employee_id: p for p in EmployeeProfile.objects.select_related("user", "department", "manager")
                      .filter(employee_id__in=ids)}
    users = {u.email.lower(): u for u in User.objects.filter(email__in=[*emails, *managers])}
    profiles = {p.user_id: p for p in EmployeeProfile.objects.select_related("user", "department", "manager")
                .filter(user__email__in=emails)}
    manager_ids = {p.employee_id: p.user for p in EmployeeProfile.objects.select_related("user")
                   .filter(employee_id__in=managers)}
    privileged = _privileged([*(p.user_id for p in profiles_by_id.values()), *(u.pk for u in users.values())])
    in_file = {values["email"] for _line, values in rows}
    in_file_ids = {values["employee_id"]: values["email"] for _line, values in rows if values["employee_id"]}
    plan, matched = [], {}
    for line, values in rows:
        profile = profiles_by_id.get(values["employee_id"]) if values["employee_id"] else None
        user = profile.user if profile else users.get(values["email"])
        if profile is None and user is not None:
            profile = profiles.get(user.pk)
        email_taken = values["email"] in users and users[values["email"]].pk != (profile.user_id if profile else None)
        if profile is not None and profile.user.email.lower() != values["email"] and email_taken:
            errors.append(RowError(line, _("The employee id belongs to %(owner)s, but %(email)s is another account.")
                                   % {"owner": profile.user.email, "email": values["email"]}))
            continue
        if profile is None and user is not None and values["employee_id"]:
            other = profiles_by_id.get(values["employee_id"])
            if other is not None and other.user_id != user.pk:
                errors.append(RowError(line, _("The employee id already belongs to %(owner)s.")
                                       % {"owner": other.user.email}))
                continue
        manager_key = values["manager"]
        if manager_key and not (manager_key in users or manager_key in manager_ids or manager_key in in_file
                                or manager_key in in_file_ids):
            errors.append(RowError(line, _("The manager “%(value)s” is neither in the file nor in the directory.")
                                   % {"value": manager_key}))
            continue
        if manager_key in (values["email"], values["employee_id"]):
            errors.append(RowError(line, _("An employee cannot be their own manager.")))
            continue
        before = {
            "email": user.email if user else "",
            "full_name": user.full_name if user else "",
            "employee_id": profile.employee_id if profile else "",
            "department": profile.department.name if profile and profile.department else "",
            "manager": (profile.manager.email if profile and profile.manager else ""),
            "hire_date": profile.hire_date if profile else None,
            "leaving_date": profile.leaving_date if profile else None,
        }
        manager_email = manager_key
        if manager_key in manager_ids:
            manager_email = manager_ids[manager_key].email.lower()
        elif manager_key in in_file_ids:
            manager_email = in_file_ids[manager_key]
        after = {**values, "manager": manager_email}
        diff = {name: (before[name], after[name]) for name in before
                if (before[name] or "") != (after[name] or "") and not (name == "employee_id" and not after[name])}
        refused = _refused(actor, user, diff, privileged) if user is not None else ""
        if refused:
            errors.append(RowError(line, refused))
            continue
        action = "create" if user is None else ("update" if diff else "unchanged")
        plan.append(RowChange(line, values["email"], values["full_name"], action, diff))
        matched[line] = (user, profile, after)
    return plan, matched


def directory_import(*, actor, data: bytes, apply: bool = False, today: date | None = None) -> ImportResult:
    """Check every row, show what would change, and (with `apply`) write it all in one transaction or nothing."""
    if not actor.has_perm("training.manage_directory"):
        raise PermissionDenied(_("You may not change the employee directory."))
    rows, errors = parse_directory_csv(data)
    plan, matched = _plan(actor, rows, errors) if rows else ([], {})
    errors.sort(key=lambda error: error.line)
    result = ImportResult(changes=plan, errors=errors)
    if not apply or errors:
        return result
    _apply(actor=actor, plan=plan, matched=matched, today=today or timezone.localdate())
    result.applied = True
    return result


@transaction.atomic
def _apply(*, actor, plan: list[RowChange], matched: dict, today: date) -> None:
    from training.sweep import assignments_sync_users

    departments = {d.name: d for d in Department.objects.all()}
    touched: list[int] = []
    by_email: dict[str, User] = {}
    for change in plan:
        user, profile, values = matched[change.line]
        if user is None:
            user = User.objects.create_user(email=values["email"], password=None, full_name=values["full_name"])
        elif user.full_name != values["full_name"] or user.email.lower() != values["email"]:
            user.full_name, user.email = values["full_name"], values["email"]
            user.save(update_fields=["full_name", "email"])
        by_email[values["email"]] = user
        if profile is None:
            profile = EmployeeProfile(user=user)
        department = None
        if values["department"]:
            department = departments.get(values["department"])
            if department is None:
                department = departments[values["department"]] = Department.objects.create(name=values["department"])
        profile.employee_id = values["employee_id"] or profile.employee_id
        profile.department = department
        profile.hire_date = values["hire_date"]
        profile.leaving_date = values["leaving_date"]
        profile.save()
        touched.append(user.pk)
    managers = {u.email.lower(): u for u in User.objects.filter(
        email__in=[matched[c.line][2]["manager"] for c in plan if matched[c.line][2]["manager"]])}
    for change in plan:
        _user, _profile, values = matched[change.line]
        manager = managers.get(values["manager"]) if values["manager"] else None
        EmployeeProfile.objects.filter(user=by_email[values["email"]]).update(manager=manager)
    audit_record(
        action=TrainingAction.DIRECTORY_IMPORTED, actor=actor, target_type="training.employeeprofile",
        target_label=_("Employee directory"),
        changes={"created": sum(c.action == "create" for c in plan), "updated": sum(c.action == "update" for c in plan),
                 "unchanged": sum(c.action == "unchanged" for c in plan),
                 # Each account's changes, before and after: what the import replaced can be read back.
                 "accounts": {c.email: {name: [_text(old), _text(new)] for name, (old, new) in c.changes.items()}
                              for c in plan if c.action != "unchanged"}},
    )
    leavers_process(actor=actor, today=today, user_ids=touched)
    assignments_sync_users(user_ids=touched, today=today)


def _text(value) -> str:
    return "" if value is None else str(value)


def leavers_process(*, actor=None, today: date | None = None, user_ids: list[int] | None = None) -> int:
    """Deactivate every active account whose leaving date has come, through the accounts service (which ends
    its sessions, API token and calendar feed), and exempt their open training. Returns how many."""
    today = today or timezone.localdate()
    leavers = User.objects.filter(is_active=True, employee_profile__leaving_date__lte=today)
    if user_ids is not None:
        leavers = leavers.filter(pk__in=user_ids)
    count = 0
    for user in leavers:
        with transaction.atomic():
            try:
                # Annex itself processes the leaver: the HR record, not the importing person, decides.
                user_deactivate(actor=None, user=user)
            except AccountRuleError:
                continue
            closed = Assignment.objects.filter(user=user, status__in=OPEN_STATUSES).update(
                status=Assignment.Status.EXEMPT, exempt_reason=_("Left the organisation"))
            audit_record(action=TrainingAction.LEAVER_PROCESSED, actor=actor, target=user,
                         changes={"open_assignments_closed": closed})
        count += 1
    return count
