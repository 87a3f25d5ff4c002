"""Typed readers for settings taken from the environment.

Each helper fails loudly with ImproperlyConfigured naming the variable, so a
misconfigured deployment stops at start-up instead of misbehaving later.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None:
        if default is None:
            raise ImproperlyConfigured(f"{name} must be set")
        return default
    return value


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false/1/0), got {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_secret(name: str, default: str | None = None) -> str:
    """Read NAME, or the contents of the file named by NAME_FILE (Docker/K8s secrets)."""
    file_var = f"{name}_FILE"
    path = os.environ.get(file_var)
    if path:
        try:
            value = Path(path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{file_var} points to {path!r}, which cannot be read: {exc}") from None
        if not value:
            raise ImproperlyConfigured(f"{file_var} points to an empty file")
        return value
    return env_str(name, default)


def env_url(name: str, default: str, *, schemes: set[str]) -> str:
    value = env_str(name, default)
    scheme = urlsplit(value).scheme
    if scheme not in schemes:
        allowed = ", ".join(sorted(schemes))
        raise ImproperlyConfigured(f"{name} must use one of the schemes {allowed}, got {value!r}")
    return value


def database_from_url(url: str, *, base_dir: Path) -> dict:
    """Turn DATABASE_URL into a Django DATABASES entry (sqlite:/// or postgres://)."""
    import dj_database_url

    scheme = urlsplit(url).scheme
    if scheme not in {"sqlite", "postgres", "postgresql"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL must be sqlite:///path or postgres://user:pass@host/db, got scheme {scheme!r}"
        )
    config = dj_database_url.parse(url, conn_max_age=60 if scheme != "sqlite" else 0)
    if scheme == "sqlite":
        name = str(config["NAME"])
        if name and name != ":memory:" and not Path(name).is_absolute():
            config["NAME"] = str(base_dir / name)
        config["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    else:
        config["CONN_HEALTH_CHECKS"] = True
        if not config.get("NAME"):
            raise ImproperlyConfigured("DATABASE_URL must name a database")
    return config


def email_from_url(url: str) -> dict:
    """EMAIL_URL: console://, locmem://, smtp://user:pass@host:587 or smtps://... -> email settings."""
    from urllib.parse import unquote

    parts = urlsplit(url)
    backends = {
        "console": "portal.core.mail.ConsoleSummaryBackend",
        "locmem": "django.core.mail.backends.locmem.EmailBackend",
        "dummy": "django.core.mail.backends.dummy.EmailBackend",
        "smtp": "django.core.mail.backends.smtp.EmailBackend",
        "smtps": "django.core.mail.backends.smtp.EmailBackend",
        "submission": "django.core.mail.backends.smtp.EmailBackend",
    }
    if parts.scheme not in backends:
        raise ImproperlyConfigured(f"EMAIL_URL scheme must be one of {', '.join(sorted(backends))}, got {url!r}")
    config = {"EMAIL_BACKEND": backends[parts.scheme]}
    if parts.scheme in {"smtp", "smtps", "submission"}:
        if not parts.hostname:
            raise ImproperlyConfigured("EMAIL_URL for SMTP must name a host")
        config.update(
            EMAIL_HOST=parts.hostname,
            EMAIL_PORT=parts.port or {"smtp": 25, "smtps": 465, "submission": 587}[parts.scheme],
            EMAIL_HOST_USER=unquote(parts.username or ""),
            EMAIL_HOST_PASSWORD=unquote(parts.password or ""),
            EMAIL_USE_SSL=parts.scheme == "smtps",
            EMAIL_USE_TLS=parts.scheme == "submission",
            EMAIL_TIMEOUT=15,
        )
    return config
