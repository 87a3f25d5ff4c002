"""The register as a file: CSV and XLSX export of a filtered list, and an all-or-nothing CSV import.

The import checks every row before it writes anything; one bad row means nothing is imported, and
each problem is reported with its line number. Export and import share the column names, so an
exported register can be edited and imported into another Annex.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from controls.audit_actions import ControlAction
from controls.categories import category_by_id, category_ids
from controls.forms import parse_parameters
from controls.models import ART32_POINTS, Control
from controls.services import control_create
from portal.accounts.models import User
from portal.audit.services import audit_record
from portal.core.spreadsheet import safe_cell, unquote_cell

IMPORT_COLUMNS = (
    "reference", "title", "description", "scc_category", "kind", "status", "owner_email", "art32_points",
    "review_cadence_months", "next_review_due", "tags", "parameters",
)
REQUIRED_COLUMNS = ("reference", "title", "description", "scc_category", "status")
# Shown in the export for people reading it; the import accepts and ignores them.
EXPORT_ONLY_COLUMNS = ("category_name", "last_reviewed_on", "review_overdue", "version")
EXPORT_COLUMNS = (*IMPORT_COLUMNS, *EXPORT_ONLY_COLUMNS)
LIST_SEPARATOR = ";"
IMPORT_MAX_BYTES = 5 * 1024 * 1024
IMPORT_MAX_ROWS = 5000
# A cell starting with one of these is a formula to a spreadsheet; exports quote it so it stays text.
class ExportFormat:
    CSV = "csv"
    XLSX = "xlsx"
    ALL = (CSV, XLSX)


def export_row(control: Control, today: date) -> list:
    category = category_by_id(control.scc_category)
    parameters = LIST_SEPARATOR.join(f"{k}={v}" for k, v in control.parameters.items())
    values = [
        control.reference, control.title, control.description, control.scc_category, control.kind, control.status,
        control.owner.email if control.owner else "", LIST_SEPARATOR.join(control.art32_points),
        control.review_cadence_months, control.next_review_due.isoformat() if control.next_review_due else "",
        LIST_SEPARATOR.join(control.tags), parameters,
        category.wording if category else "", control.last_reviewed_on.isoformat() if control.last_reviewed_on else "",
        "yes" if control.is_overdue(today) else "no", control.version,
    ]
    return [safe_cell(v) for v in values]


@transaction.atomic
def control_register_export(*, actor, fmt: str, filters: dict, count: int) -> None:
    """Record that the register (or a filtered part of it) left the portal."""
    if not actor.has_perm("controls.view_control"):
        raise PermissionDenied("You may not export the control register.")
    audit_record(
        action=ControlAction.CONTROL_REGISTER_EXPORTED, actor=actor, target_type=Control._meta.label_lower,
        target_label="control register",
        changes={"format": {"before": None, "after": fmt}, "rows": {"before": None, "after": count},
                 "filters": {"before": None, "after": {k: str(v) for k, v in filters.items() if v}}},
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(controls: QuerySet[Control]) -> Iterator[str]:
    """The CSV one line at a time (for a streaming response), header first, with a BOM for spreadsheets."""
    writer = csv.writer(_Echo())
    today = timezone.localdate()
    yield "\ufeff" + writer.writerow(EXPORT_COLUMNS)
    for control in controls.iterator(chunk_size=500):
        yield writer.writerow(export_row(control, today))


def xlsx_bytes(controls: QuerySet[Control]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Controls")
    sheet.append(list(EXPORT_COLUMNS))
    today = timezone.localdate()
    for control in controls.iterator(chunk_size=500):
        sheet.append(export_row(control, today))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class RowError:
    line: int
    reference: str
    message: str


@dataclass
class ImportResult:
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    created: list[Control] = field(default_factory=list)
    checked_only: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.replace(",", LIST_SEPARATOR).split(LIST_SEPARATOR) if part.strip()]


def _choice(value: str, choices, what: str) -> str:
    wanted = value.strip().lower()
    for choice_value, label in choices:
        if wanted in (choice_value.lower(), str(label).lower()):
            return choice_value
    allowed = ", ".join(v for v, _ in choices)
    raise ValueError(f"{what} {value!r} is not one of: {allowed}.")


def _parse_row(row: dict[str, str], owners: dict[str, User]) -> tuple[dict, list[str]]:
    """The control_create() arguments for one row, and what is wrong with it."""
    problems = []
    for name in REQUIRED_COLUMNS:
        if not row.get(name):
            problems.append(f"{name} is required.")
    data: dict = {
        "reference": row.get("reference", "").upper(), "title": row.get("title", ""),
        "description": row.get("description", ""),
    }
    category = row.get("scc_category", "")
    if category and category not in category_ids():
        problems.append(f"scc_category {category!r} is not one of the 17 SCC measure category ids.")
    data["scc_category"] = category
    for name, choices, default in (("status", Control.Status.choices, None),
                                   ("kind", Control.Kind.choices, Control.Kind.TECHNICAL)):
        raw = row.get(name, "")
        if not raw:
            if default:
                data[name] = default
            continue
        try:
            data[name] = _choice(raw, choices, name)
        except ValueError as exc:
            problems.append(str(exc))
    email = row.get("owner_email", "").lower()
    if email:
        owner = owners.get(email)
        if owner is None:
            problems.append(f"owner_email {email} is not an active user of Annex.")
        data["owner"] = owner
    points = [p.lower().strip("()") for p in _split(row.get("art32_points", ""))]
    bad_points = [p for p in points if p not in ART32_POINTS]
    if bad_points:
        problems.append(f"art32_points may list only a, b, c and d (got {', '.join(bad_points)}).")
    data["art32_points"] = [p for p in points if p in ART32_POINTS]
    cadence = row.get("review_cadence_months", "")
    if cadence:
        if cadence.isascii() and cadence.isdigit() and 1 <= int(cadence) <= 60:
            data["review_cadence_months"] = int(cadence)
        else:
            problems.append("review_cadence_months must be a whole number from 1 to 60.")
    due = row.get("next_review_due", "")
    if due:
        try:
            data["next_review_due"] = date.fromisoformat(due)
        except ValueError:
            problems.append(f"next_review_due {due!r} is not a date written as YYYY-MM-DD.")
    data["tags"] = [t.lower() for t in _split(row.get("tags", ""))]
    try:
        data["parameters"] = parse_parameters("\n".join(row.get("parameters", "").split(LIST_SEPARATOR)))
    except ValidationError:
        problems.append("parameters: write each as name=value, separated by semicolons, each name once.")
    return data, problems


def _model_problems(data: dict) -> list[str]:
    """Field rules the row parser does not know (lengths, reference format), from the model itself."""
    control = Control(**data)
    try:
        control.full_clean(validate_unique=False)
    except ValidationError as exc:
        return [f"{name}: {' '.join(msgs)}" if name != "__all__" else " ".join(msgs)
                for name, msgs in exc.message_dict.items()]
    return []


def parse_register_csv(data: bytes) -> tuple[list[tuple[int, dict]], list[RowError]]:
    """Read and check every row: the create arguments with their line numbers, or every problem found."""
    if len(data) > IMPORT_MAX_BYTES:
        return [], [RowError(0, "", f"The file is larger than {IMPORT_MAX_BYTES // (1024 * 1024)} MB.")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [RowError(0, "", "The file is not UTF-8 text; save it as CSV UTF-8 and try again.")]
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        return _parse_rows(reader)
    except csv.Error as exc:
        # The csv module refuses a field over its size limit (128 KB) and some broken quoting; say where.
        too_long = "field larger than field limit" in str(exc)
        reason = (f"a value is longer than {csv.field_size_limit() // 1024} KB; no column of the register "
                  "holds that much" if too_long else "the quoting is broken (a quote mark is not closed)")
        line = reader.line_num + 1  # the line being read when the reader gave up
        return [], [RowError(line, "", f"The file cannot be read at line {line}: {reason}.")]


def _parse_rows(reader: csv.DictReader) -> tuple[list[tuple[int, dict]], list[RowError]]:
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [c for c in header if c not in EXPORT_COLUMNS]
    if missing or unknown or len(set(header)) != len(header):
        problems = []
        if missing:
            problems.append(f"missing required columns: {', '.join(missing)}")
        if unknown:
            problems.append(f"unknown columns: {', '.join(unknown)}")
        if len(set(header)) != len(header):
            problems.append("a column is named twice")
        return [], [RowError(1, "", "Header row: " + "; ".join(problems) + ".")]
    reader.fieldnames = header

    raw_rows: list[tuple[int, dict[str, str]]] = []
    line = reader.line_num + 1
    for row in reader:
        if None in row:
            raw_rows.append((line, {"__extra__": "x"}))
        else:
            cleaned = {k: unquote_cell((v or "").strip()) for k, v in row.items()}
            if any(cleaned.values()):
                raw_rows.append((line, cleaned))
        line = reader.line_num + 1
        if len(raw_rows) > IMPORT_MAX_ROWS:
            return [], [RowError(0, "", f"The file has more than {IMPORT_MAX_ROWS} rows; split it.")]
    if not raw_rows:
        return [], [RowError(0, "", "The file has a header but no rows.")]

    emails = {r.get("owner_email", "").lower() for _, r in raw_rows if r.get("owner_email")}
    owners = {
        u.email.lower(): u
        for u in User.objects.annotate(email_lower=Lower("email")).filter(is_active=True, email_lower__in=emails)
    } if emails else {}
    references = [r.get("reference", "").upper() for _, r in raw_rows]
    existing = set(Control.objects.filter(reference__in=references).values_list("reference", flat=True))

    seen: dict[str, int] = {}
    parsed, errors = [], []
    for line_no, row in raw_rows:
        if "__extra__" in row:
            errors.append(RowError(line_no, "", "The row has more values than the header has columns."))
            continue
        data, problems = _parse_row(row, owners)
        reference = data["reference"]
        if reference in existing:
            problems.append(f"reference {reference} already exists in the register.")
        if reference and reference in seen:
            problems.append(f"reference {reference} is also on line {seen[reference]}.")
        seen.setdefault(reference, line_no)
        if not problems:
            problems = _model_problems(data)
        errors.extend(RowError(line_no, reference, p) for p in problems)
        parsed.append((line_no, data))
    return parsed, errors


@transaction.atomic
def control_register_import(*, actor, data: bytes, check_only: bool = False) -> ImportResult:
    """Create every control in the CSV, or none: all rows are checked first, and any error writes nothing."""
    if not (actor.has_perm("controls.change_any_control") and actor.has_perm("controls.add_control")):
        raise PermissionDenied("Only the DPO or an administrator may import controls.")
    rows, errors = parse_register_csv(data)
    result = ImportResult(rows=len(rows), errors=errors, checked_only=check_only)
    if errors or check_only:
        return result
    for _line, kwargs in rows:
        result.created.append(control_create(actor=actor, **kwargs))
    audit_record(
        action=ControlAction.CONTROL_REGISTER_IMPORTED, actor=actor, target_type=Control._meta.label_lower,
        target_label="control register",
        changes={"created": {"before": None, "after": [c.reference for c in result.created]}},
    )
    return result

