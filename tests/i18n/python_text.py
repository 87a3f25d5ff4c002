"""Find text in Python source that a reader would see but that no gettext call covers.

User-facing positions: the labels and messages of forms, models, choices, registries (navigation, dashboard,
inbox, metrics, reminders, exports, retention), messages to the user, the errors a user reads (validation,
permission, not found, a service's rule), OpenAPI descriptions and email subjects. A literal there must be
wrapped in gettext/gettext_lazy/ngettext/pgettext (or gettext_noop where it is translated when shown).
Text for operators (logging, management commands) and demo data are not user-facing in this sense.
"""

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP_PACKAGES = ("controls", "incidents", "training", "portal")
# Modules whose text is not shown to users of the portal.
SKIPPED_PARTS = {"migrations", "management", "__pycache__"}
SKIPPED_NAMES = {"demo.py", "settings.py", "env.py"}

KEYWORDS = {"label", "verbose_name", "verbose_name_plural", "help_text", "description", "empty_label", "title",
            "message", "subject", "placeholder", "kind_label", "reason_label"}
# Calls whose first positional argument is shown to the user (messages.* take it second).
FIRST_ARGUMENT = {"ValidationError", "PermissionDenied", "Http404", "NotFound", "ExportError", "AccountRuleError",
                  "NavItem", "ParseError", "RuleError", "AuthenticationFailed", "Throttled"}
CLASS_ATTRIBUTES = {"message", "verbose_name", "verbose_name_plural", "label", "title", "help_text", "description"}
MESSAGE_FUNCTIONS = {"success", "error", "warning", "info", "debug"}
GETTEXT = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy", "npgettext",
           "npgettext_lazy", "gettext_noop", "format_lazy", "mark_safe"}
LOGGERS = {"logger", "log", "logging", "LOGGER"}


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    where: str
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line} ({self.where}): {self.text}"


def _has_words(text: str) -> bool:
    letters = sum(c.isalpha() for c in text)
    return letters >= 2 and (" " in text.strip() or text[:1].isupper())


def _untranslated(node: ast.AST):
    """The literal text in `node` that no gettext call wraps: a string, an f-string's literal parts, or the left
    side of a "%" or "+" expression."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        if _has_words(node.value):
            yield node.value
    elif isinstance(node, ast.JoinedStr):
        literal = "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
        if sum(c.isalpha() for c in literal) >= 2:
            yield ast.unparse(node)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add)):
        yield from _untranslated(node.left)
        if isinstance(node.op, ast.Add):
            yield from _untranslated(node.right)
    elif isinstance(node, ast.IfExp):
        yield from _untranslated(node.body)
        yield from _untranslated(node.orelse)
    elif isinstance(node, (ast.Tuple, ast.List)):
        for element in node.elts:
            yield from _untranslated(element)
    elif isinstance(node, ast.Dict):
        # DRF's ValidationError({"field": "message"}): the keys are parameter names, the values are read.
        for value in node.values:
            yield from _untranslated(value)


def _name(func: ast.AST) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return getattr(func, "id", "")


def _receiver(func: ast.AST) -> str:
    if isinstance(func, ast.Attribute):
        return _name(func.value)
    return ""


def _is_choices(node: ast.ClassDef) -> bool:
    return any(_name(base) in ("TextChoices", "IntegerChoices", "Choices") for base in node.bases)


def findings_in(source: str, path: str = "<source>") -> list[Finding]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            name = _name(node.func)
            if name in GETTEXT or _receiver(node.func) in LOGGERS:
                continue
            candidates = []
            if name in FIRST_ARGUMENT:
                candidates += [("argument", arg) for arg in node.args[:1]]
            if name in MESSAGE_FUNCTIONS and _receiver(node.func) == "messages":
                candidates += [("message", arg) for arg in node.args[1:2]]
            if name.endswith("Field") and _receiver(node.func) in ("models", "forms", "serializers"):
                candidates += [("verbose name", arg) for arg in node.args[:1]]
            candidates += [(keyword.arg, keyword.value) for keyword in node.keywords if keyword.arg in KEYWORDS]
            for where, value in candidates:
                found += [Finding(path, value.lineno, f"{name} {where}", text) for text in _untranslated(value)]
        if isinstance(node, ast.ClassDef):
            # Class attributes read by the framework: a permission's message, a Meta's verbose names.
            for statement in node.body:
                if isinstance(statement, ast.Assign) and any(
                    isinstance(target, ast.Name) and target.id in CLASS_ATTRIBUTES for target in statement.targets
                ):
                    found += [Finding(path, statement.lineno, f"{node.name} attribute", text)
                              for text in _untranslated(statement.value)]
        if isinstance(node, ast.ClassDef) and _is_choices(node):
            for statement in node.body:
                if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Tuple):
                    for label in statement.value.elts[1:]:
                        found += [Finding(path, label.lineno, f"{node.name} choice", text)
                                  for text in _untranslated(label)]
    return found


def application_modules() -> list[Path]:
    modules = []
    for package in APP_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if SKIPPED_PARTS & set(relative.parts) or path.name in SKIPPED_NAMES:
                continue
            modules.append(path)
    return modules


def untranslated_python_text() -> list[Finding]:
    found = []
    for path in application_modules():
        found += findings_in(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    return found
