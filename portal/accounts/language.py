"""A person's language and time zone: for their pages, and for the emails and reminders they receive."""

from contextlib import contextmanager
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.utils import timezone, translation


def supported_language(code: str | None) -> str | None:
    """The supported language for a code such as "de-DE" or "en", or None."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def language_of(user) -> str:
    """The language in which Annex writes to `user` when no request is involved (emails, reminders)."""
    return supported_language(getattr(user, "language", "")) or settings.LANGUAGE_CODE


def time_zone_of(user) -> ZoneInfo:
    zone = getattr(user, "time_zone", "")
    return ZoneInfo(zone) if zone and is_known_time_zone(zone) else ZoneInfo(settings.TIME_ZONE)


def is_known_time_zone(name: str) -> bool:
    return name in _zones()


_ZONES: set[str] = set()


def _zones() -> set[str]:
    if not _ZONES:
        _ZONES.update(available_timezones())
    return _ZONES


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(_zones()) if "/" in name and not name.startswith("Etc/")]


@contextmanager
def recipient_locale(user):
    """Render for `user`: their language and time zone, whatever the current request uses."""
    language, zone = language_of(user), time_zone_of(user)
    if language == translation.get_language() and zone == timezone.get_current_timezone():
        yield  # already theirs (a sweep writes for most people in the default language and zone)
        return
    with translation.override(language), timezone.override(zone):
        yield
