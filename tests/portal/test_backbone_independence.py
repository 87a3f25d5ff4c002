"""The backbones (portal/*) import no domain app and name none of its URLs, permissions or actions.

A domain app is one of this project's apps outside portal/ (controls, incidents, training...). It plugs
into the backbones through their registries; a backbone that names it by string is as coupled as one that
imports it. Exempt: the project's wiring (portal/settings.py, portal/urls.py), the central role table
(portal/accounts/roles.py, one readable definition of who may do what) and landed migrations.
"""

import ast
import re
from functools import cache
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import URLResolver, get_resolver

ROOT = Path(settings.BASE_DIR)
PORTAL = ROOT / "portal"
EXEMPT = {PORTAL / "settings.py", PORTAL / "urls.py", PORTAL / "accounts" / "roles.py"}


def domain_apps() -> list:
    """This project's apps outside portal/: each a top-level package of the repository (so not a library
    installed in a virtual environment inside the clone, as CI's .venv is)."""
    def package(config) -> Path:
        return ROOT / config.name.split(".")[0]
    return [config for config in apps.get_app_configs()
            if package(config) != PORTAL and Path(config.path).is_relative_to(package(config))]


def backbone_sources() -> list[Path]:
    python = [path for path in PORTAL.rglob("*.py") if path not in EXEMPT and "migrations" not in path.parts]
    labels = {config.label for config in apps.get_app_configs() if Path(config.path).is_relative_to(PORTAL)}
    template_dirs = [ROOT / "templates" / name for name in (*labels, "portal", "partials", "email")]
    templates = [path for folder in template_dirs if folder.is_dir() for path in folder.rglob("*") if path.is_file()]
    return sorted(python + templates + [ROOT / "templates" / "base.html"])


def _domain_namespaces(patterns, domains: set[str], inside: bool = False) -> set[str]:
    found = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            module = getattr(pattern.urlconf_module, "__name__", "")
            owned = inside or module.split(".")[0] in domains
            if owned and pattern.namespace:
                found.add(pattern.namespace)
            found |= _domain_namespaces(pattern.url_patterns, domains, owned)
    return found


def domain_action_codes(configs) -> set[str]:
    codes = set()
    for config in configs:
        try:
            module = import_module(f"{config.name}.audit_actions")
        except ModuleNotFoundError:
            continue
        for value in vars(module).values():
            if isinstance(value, type) and hasattr(value, "choices") and value.__module__ == module.__name__:
                codes.update(value.values)
    return codes


@cache
def forbidden_patterns() -> dict[str, re.Pattern]:
    configs = domain_apps()
    labels = {config.label for config in configs}
    namespaces = _domain_namespaces(get_resolver().url_patterns, {config.name for config in configs})
    codes = domain_action_codes(configs)
    return {
        # "controls.change_control", "controls.tom_annex", "controls.review_due": a permission, an export
        # kind, a reminder rule or a task of the domain
        "permission or name": re.compile(rf"\b(?:{'|'.join(map(re.escape, sorted(labels)))})\.[a-z_]+\b"),
        "URL name": re.compile(rf"""["'](?:{'|'.join(map(re.escape, sorted(namespaces)))}):[\w-]+"""),
        "audit action": re.compile(rf"""["'](?:{'|'.join(map(re.escape, sorted(codes)))})["']"""),
    }


def test_the_check_knows_the_domain_apps_their_url_namespaces_and_their_actions():
    configs = domain_apps()
    assert {"controls", "incidents", "training"} <= {config.label for config in configs}
    namespaces = _domain_namespaces(get_resolver().url_patterns, {config.name for config in configs})
    assert "controls" in namespaces
    assert {"control.created", "evidence.added", "customer.created"} <= domain_action_codes(configs)
    assert not domain_action_codes(configs) & {"auth.login", "export.requested"}


@pytest.mark.parametrize("path", backbone_sources(), ids=lambda path: str(path.relative_to(ROOT)))
def test_a_backbone_module_names_no_domain_app(path):
    text = path.read_text(encoding="utf-8")
    found = [f"{what}: {match.group(0)}" for what, pattern in forbidden_patterns().items()
             for match in pattern.finditer(text)]
    if path.suffix == ".py":
        domains = {config.name.split(".")[0] for config in domain_apps()}
        for node in ast.walk(ast.parse(text)):
            modules = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                       else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            found += [f"import: {module}" for module in modules if module.split(".")[0] in domains]
    assert not found, f"{path.relative_to(ROOT)} names a domain app; register through the backbone's registry"


def test_the_check_catches_an_import_a_url_name_a_permission_and_an_action():
    patterns = forbidden_patterns()
    assert patterns["URL name"].search("reverse('controls:detail')")
    assert patterns["permission or name"].search('user.has_perm("controls.change_control")')
    assert patterns["audit action"].search('action="control.created"')
    assert not any(pattern.search('reverse("accounts:login"), "auth.login"') for pattern in patterns.values())
