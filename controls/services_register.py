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

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from controls.audit_actions import ControlAction
from controls.categories import category_by_id, category_ids
from controls.forms import parse_parameters
from controls.models import ART32_POINTS, Control
from controls.services import control_create
from portal.accounts.models import User
from portal.audit.services import audit_record
from portal.core.spreadsheet import safe_cell, typed_cells, unquote_cell

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
        raise PermissionDenied(_("You may not export the control register."))
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

    language = translation.get_language() or settings.LANGUAGE_CODE
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Controls"))
    sheet.append(list(EXPORT_COLUMNS))
    today = timezone.localdate()
    for control in controls.iterator(chunk_size=500):
        sheet.append(typed_cells(sheet, EXPORT_COLUMNS, export_row(control, today), language))
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
    dialect: "CsvDialect | None" = None

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
    raise ValueError(_("%(what)s “%(value)s” is not one of: %(allowed)s.")
                     % {"what": what, "value": value, "allowed": allowed})


def _parse_row(row: dict[str, str], owners: dict[str, User]) -> tuple[dict, list[str]]:
    """The control_create() arguments for one row, and what is wrong with it."""
    problems = []
    for name in REQUIRED_COLUMNS:
        if not row.get(name):
            problems.append(_("%(column)s is required.") % {"column": name})
    data: dict = {
        "reference": row.get("reference", "").upper(), "title": row.get("title", ""),
        "description": row.get("description", ""),
    }
    category = row.get("scc_category", "")
    if category and category not in category_ids():
        problems.append(_("scc_category “%(value)s” is not one of the 17 SCC measure category ids.")
                        % {"value": category})
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
            problems.append(_("owner_email %(email)s is not an active user of Annex.") % {"email": email})
        data["owner"] = owner
    points = [p.lower().strip("()") for p in _split(row.get("art32_points", ""))]
    bad_points = [p for p in points if p not in ART32_POINTS]
    if bad_points:
        problems.append(_("art32_points may list only a, b, c and d (got %(points)s).")
                        % {"points": ", ".join(bad_points)})
    data["art32_points"] = [p for p in points if p in ART32_POINTS]
    cadence = row.get("review_cadence_months", "")
    if cadence:
        if cadence.isascii() and cadence.isdigit() and 1 <= int(cadence) <= 60:
            data["review_cadence_months"] = int(cadence)
        else:
            problems.append(_("review_cadence_months must be a whole number from 1 to 60."))
    due = row.get("next_review_due", "")
    if due:
        try:
            data["next_review_due"] = _parse_date(due)
        except ValueError:
            problems.append(_("next_review_due “%(value)s” is not a date written as YYYY-MM-DD or DD.MM.YYYY.")
                            % {"value": due})
    data["tags"] = [t.lower() for t in _split(row.get("tags", ""))]
    try:
        data["parameters"] = parse_parameters("\n".join(row.get("parameters", "").split(LIST_SEPARATOR)))
    except ValidationError:
        problems.append(_("parameters: write each as name=value, separated by semicolons, each name once."))
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


@dataclass(frozen=True)
class CsvDialect:
    """How an uploaded CSV file was read, to report back to the person who sent it."""

    encoding: str  # "UTF-8 with BOM" (translated), "UTF-8" or "Windows-1252"
    delimiter: str

    @property
    def delimiter_name(self) -> str:
        return {",": _("commas"), ";": _("semicolons"), "\t": _("tabs")}[self.delimiter]

    def describe(self) -> str:
        return _("Read as %(encoding)s, separated by %(delimiter)s.") % {
            "encoding": self.encoding, "delimiter": self.delimiter_name}


def decode_csv(data: bytes) -> tuple[str, CsvDialect] | None:
    """Text and dialect of a CSV file as spreadsheet programs write it, German ones included: UTF-8 with or
    without a byte order mark, else Windows-1252; separated by commas, semicolons or tabs. None if unreadable."""
    if data.startswith(b"\xef\xbb\xbf") and _is_utf8(data[3:]):
        encoding, text = gettext_lazy("UTF-8 with BOM"), data[3:].decode("utf-8")
    elif _is_utf8(data):
        encoding, text = "UTF-8", data.decode("utf-8")
    else:
        try:
            encoding, text = "Windows-1252", data.decode("cp1252")
        except UnicodeDecodeError:
            return None
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    delimiter = max(counts, key=lambda d: (counts[d], d == ","))
    return text, CsvDialect(encoding=encoding, delimiter=delimiter if counts[delimiter] else ",")


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _parse_date(value: str) -> date:
    """YYYY-MM-DD, or DD.MM.YYYY as German spreadsheets write dates."""
    if "." in value:
        day, month, year = value.split(".")
        return date(int(year), int(month), int(day))
    return date.fromisoformat(value)


def parse_register_csv(data: bytes) -> tuple[list[tuple[int, dict]], list[RowError]]:
    """Read and check every row: the create arguments with their line numbers, or every problem found."""
    rows, errors, _dialect = parse_register_csv_with_dialect(data)
    return rows, errors


def parse_register_csv_with_dialect(data: bytes) -> tuple[list[tuple[int, dict]], list[RowError], CsvDialect | None]:
    """parse_register_csv, and how the file was read (None when it could not be decoded)."""
    if len(data) > IMPORT_MAX_BYTES:
        return [], [RowError(0, "", _("The file is larger than %(mb)d MB.")
                             % {"mb": IMPORT_MAX_BYTES // (1024 * 1024)})], None
    decoded = decode_csv(data)
    if decoded is None:
        unreadable = _("The file is neither UTF-8 nor Windows-1252 text; save it as CSV and try again.")
        return [], [RowError(0, "", unreadable)], None
    text, dialect = decoded
    rows, errors = _parse_text(text, dialect.delimiter)
    return rows, errors, dialect


def _parse_text(text: str, delimiter: str) -> tuple[list[tuple[int, dict]], list[RowError]]:
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _parse_rows(reader)
    except csv.Error as exc:
        # The csv module refuses a field over its size limit (128 KB) and some broken quoting; say where.
        if "field larger than field limit" in str(exc):
            reason = _("a value is longer than %(kb)d KB; no column of the register holds that much") % {
                "kb": csv.field_size_limit() // 1024}
        else:
            reason = _("the quoting is broken (a quote mark is not closed)")
        line = reader.line_num + 1  # the line being read when the reader gave up
        return [], [RowError(line, "", _("The file cannot be read at line %(line)d: %(reason)s.")
                             % {"line": line, "reason": reason})]


def _parse_rows(reader: csv.DictReader) -> tuple[list[tuple[int, dict]], list[RowError]]:
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [c for c in header if c not in EXPORT_COLUMNS]
    if missing or unknown or len(set(header)) != len(header):
        problems = []
        if missing:
            problems.append(_("missing required columns: %(columns)s") % {"columns": ", ".join(missing)})
        if unknown:
            problems.append(_("unknown columns: %(columns)s") % {"columns": ", ".join(unknown)})
        if len(set(header)) != len(header):
            problems.append(_("a column is named twice"))
        return [], [RowError(1, "", _("Header row: %(problems)s.") % {"problems": "; ".join(problems)})]
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
            return [], [RowError(0, "", _("The file has more than %(rows)d rows; split it.")
                                 % {"rows": IMPORT_MAX_ROWS})]
    if not raw_rows:
        return [], [RowError(0, "", _("The file has a header but no rows."))]

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
            errors.append(RowError(line_no, "", _("The row has more values than the header has columns.")))
            continue
        data, problems = _parse_row(row, owners)
        reference = data["reference"]
        if reference in existing:
            problems.append(_("reference %(reference)s already exists in the register.") % {"reference": reference})
        if reference and reference in seen:
            problems.append(_("reference %(reference)s is also on line %(line)d.")
                            % {"reference": reference, "line": seen[reference]})
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
        raise PermissionDenied(_("Only the DPO or an administrator may import controls."))
    rows, errors, dialect = parse_register_csv_with_dialect(data)
    result = ImportResult(rows=len(rows), errors=errors, checked_only=check_only, dialect=dialect)
    if errors or check_only:
        return result
    for _line, kwargs in rows:
        result.created.append(control_create(actor=actor, **kwargs))
    audit_record(
        action=ControlAction.CONTROL_REGISTER_IMPORTED, actor=actor, target_type=Control._meta.label_lower,
        target_label="control register",
        changes={"created": {"before": None, "after": [c.reference for c in result.created]},
                 "read_as": {"before": None, "after": dialect.describe() if dialect else ""}},
    )
    return result

