"""What a control's parameters mean to a reader: a label, a unit, and which way is stronger.

Parameters are stored as `{"tls_min_version": "1.3"}` so that they can be compared and imported; a reader
never sees the key. Every page, the TOM annex, the history and the API describe a parameter by its label
and print its value with its unit ("Minimum TLS version: 1.3", "HSTS: 1 year").

The direction says which change weakens a measure, so a new annex version that lowers a promise is
detected as a reduction and waits for the customer's consent (issue 15; GDPR Art. 28(2), SCC 2021/915
clause 7.7 practice): a shorter log retention, a longer patch window, TLS 1.3 -> 1.2.

A key not listed here (a parameter added on one control by hand) is shown with its words spaced out and
capitalised, and is never treated as a reduction.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _


class Unit(StrEnum):
    TEXT = "text"
    YES_NO = "yes_no"
    NUMBER = "number"
    PERCENT = "percent"
    SECONDS = "seconds"
    MINUTES = "minutes"
    HOURS = "hours"
    DAYS = "days"
    WORKING_DAYS = "working_days"
    MONTHS = "months"
    VERSION = "version"
    CADENCE = "cadence"  # daily, weekly, monthly, quarterly, yearly


class Stronger(StrEnum):
    NONE = ""  # a change is a change, not a reduction (free text, or both ways arguable)
    HIGHER = "higher"  # more copies, a higher pass mark, a newer TLS version, a longer log retention
    LOWER = "lower"  # fewer minutes to triage, a shorter patch window, fewer days to return data
    TRUE = "true"  # "MFA required: yes" is stronger than "no"
    FALSE = "false"  # "SMS allowed: no" is stronger than "yes"
    MORE_OFTEN = "more_often"  # a weekly scan is stronger than a monthly one


@dataclass(frozen=True)
class Parameter:
    key: str
    label: str
    unit: Unit = Unit.TEXT
    stronger: Stronger = Stronger.NONE


# Cadences from the most frequent to the least: the smaller the rank, the stronger the promise.
CADENCES = {
    "continuous": pgettext_lazy("cadence", "continuous"),
    "daily": pgettext_lazy("cadence", "daily"),
    "weekly": pgettext_lazy("cadence", "weekly"),
    "monthly": pgettext_lazy("cadence", "monthly"),
    "quarterly": pgettext_lazy("cadence", "quarterly"),
    "half-yearly": pgettext_lazy("cadence", "half-yearly"),
    "yearly": pgettext_lazy("cadence", "yearly"),
    "every two years": pgettext_lazy("cadence", "every two years"),
}
CADENCE_RANK = {name: rank for rank, name in enumerate(CADENCES)}

_P = Parameter
PARAMETERS: dict[str, Parameter] = {p.key: p for p in (
    _P("access_list_review", _("Access list review"), Unit.CADENCE, Stronger.MORE_OFTEN),
    _P("after_contract_end_days", _("Deleted from live systems after the contract ends, within"), Unit.DAYS,
       Stronger.LOWER),
    _P("agent", _("Protection agent")),
    _P("availability_zones", _("Availability zones"), Unit.NUMBER, Stronger.HIGHER),
    _P("backup_expiry_days", _("Backup copies expire after"), Unit.DAYS, Stronger.LOWER),
    _P("backup_frequency", _("Backup frequency")),
    _P("baseline", _("Hardening baseline")),
    _P("certificate_lifetime_hours", _("Certificate lifetime"), Unit.HOURS, Stronger.LOWER),
    _P("cipher", _("Cipher")),
    _P("completion_target_percent", _("Completion target"), Unit.PERCENT, Stronger.HIGHER),
    _P("copies", _("Copies"), Unit.NUMBER, Stronger.HIGHER),
    _P("coverage", _("Coverage")),
    _P("critical_hours", _("Critical vulnerabilities patched within"), Unit.HOURS, Stronger.LOWER),
    _P("customer_notice", _("Notice to the customer")),
    _P("database_internet_route", _("Route from the internet to databases"), Unit.YES_NO, Stronger.FALSE),
    _P("default_policy", _("Default policy")),
    _P("drift_check", _("Configuration drift check"), Unit.CADENCE, Stronger.MORE_OFTEN),
    _P("exercise_frequency", _("Exercise frequency"), Unit.CADENCE, Stronger.MORE_OFTEN),
    _P("factors", _("Authentication factors")),
    _P("failover", _("Failover")),
    _P("formats", _("Formats")),
    _P("forwarding_delay_seconds", _("Forwarded to the log platform within"), Unit.SECONDS, Stronger.LOWER),
    _P("frequency", _("Frequency"), Unit.CADENCE, Stronger.MORE_OFTEN),
    _P("full_disk_encryption", _("Full-disk encryption"), Unit.YES_NO, Stronger.TRUE),
    _P("high_days", _("High vulnerabilities patched within"), Unit.DAYS, Stronger.LOWER),
    _P("hsm_standard", _("HSM certification")),
    _P("hsts_seconds", _("HSTS"), Unit.SECONDS, Stronger.HIGHER),
    _P("integrity", _("Integrity protection")),
    _P("key_scope", _("Key scope")),
    _P("key_store", _("Key store")),
    _P("leaver_revocation_hours", _("Leavers' access removed within"), Unit.HOURS, Stronger.LOWER),
    _P("management_reporting", _("Reporting to management"), Unit.CADENCE, Stronger.MORE_OFTEN),
    _P("method", _("Method")),
    _P("mfa_required", _("MFA required"), Unit.YES_NO, Stronger.TRUE),
    _P("minimum_cadence_months", _("Every measure reviewed at least every"), Unit.MONTHS, Stronger.LOWER),
    _P("mover_revocation_days", _("Access of people changing role adjusted within"), Unit.DAYS, Stronger.LOWER),
    _P("other_days", _("Other vulnerabilities patched within"), Unit.DAYS, Stronger.LOWER),
    _P("pass_mark_percent", _("Quiz pass mark"), Unit.PERCENT, Stronger.HIGHER),
    _P("policy_review", _("Policy review"), Unit.CADENCE, Stronger.MORE_OFTEN),
    _P("purge_frequency", _("Purge runs"), Unit.CADENCE, Stronger.MORE_OFTEN),
    _P("reassessment", _("Reassessment"), Unit.CADENCE, Stronger.MORE_OFTEN),
    _P("recertification", _("Access recertification"), Unit.CADENCE, Stronger.MORE_OFTEN),
    _P("recording_retention_days", _("Recordings kept for"), Unit.DAYS),
    _P("regions", _("Regions")),
    _P("response_minutes", _("Response target"), Unit.MINUTES, Stronger.LOWER),
    _P("retention_days", _("Backups kept for"), Unit.DAYS),
    _P("retention_months", _("Logs kept for"), Unit.MONTHS, Stronger.HIGHER),
    _P("retest_days", _("Findings retested within"), Unit.DAYS, Stronger.LOWER),
    _P("return_days", _("Data returned within"), Unit.DAYS, Stronger.LOWER),
    _P("rotation_days", _("Key rotation every"), Unit.DAYS, Stronger.LOWER),
    _P("rpo_minutes", _("Recovery point objective (RPO)"), Unit.MINUTES, Stronger.LOWER),
    _P("rto_hours", _("Recovery time objective (RTO)"), Unit.HOURS, Stronger.LOWER),
    _P("rule_review_months", _("Firewall rules reviewed every"), Unit.MONTHS, Stronger.LOWER),
    _P("scope", _("Scope")),
    _P("screen_lock_minutes", _("Screen lock after"), Unit.MINUTES, Stronger.LOWER),
    _P("segments", _("Network segments")),
    _P("separation", _("Separation")),
    _P("sms_allowed", _("SMS codes allowed"), Unit.YES_NO, Stronger.FALSE),
    _P("standard", _("Standard")),
    _P("standby", _("Standby")),
    _P("test_data", _("Test data")),
    _P("tls_min_version", _("Minimum TLS version"), Unit.VERSION, Stronger.HIGHER),
    _P("triage_minutes", _("Alerts triaged within"), Unit.MINUTES, Stronger.LOWER),
    _P("vpn", _("VPN")),
    _P("when", _("When")),
    # The assistance measures (Art. 28(3)(b), (e), (f) GDPR).
    _P("channel", _("Channel")),
    _P("forward_hours", _("Requests forwarded to the controller within"), Unit.HOURS, Stronger.LOWER),
    _P("carry_out_working_days", _("Instructions carried out within"), Unit.WORKING_DAYS, Stronger.LOWER),
    _P("answer_working_days", _("Information provided within"), Unit.WORKING_DAYS, Stronger.LOWER),
    _P("commitment", _("Confidentiality commitment")),
    _P("survives_employment", _("Continues after employment ends"), Unit.YES_NO, Stronger.TRUE),
)}


def humanise_key(key: str) -> str:
    """A key no registry entry describes, made readable: "log_forwarding_sla" -> "Log forwarding sla"."""
    words = " ".join(key.replace("_", " ").replace("-", " ").split())
    return words[:1].upper() + words[1:]


def parameter(key: str) -> Parameter:
    return PARAMETERS.get(key) or Parameter(key, humanise_key(key))


def label(key: str) -> str:
    """The parameter's name in the active language."""
    return str(parameter(key).label)


_SECONDS_IN = (
    (365 * 86400, lambda n: ngettext("%(n)s year", "%(n)s years", n)),
    (7 * 86400, lambda n: ngettext("%(n)s week", "%(n)s weeks", n)),
    (86400, lambda n: ngettext("%(n)s day", "%(n)s days", n)),
    (3600, lambda n: ngettext("%(n)s hour", "%(n)s hours", n)),
    (60, lambda n: ngettext("%(n)s minute", "%(n)s minutes", n)),
    (1, lambda n: ngettext("%(n)s second", "%(n)s seconds", n)),
)


def _seconds_text(seconds: int) -> str:
    for size, words in _SECONDS_IN:
        if seconds >= size and seconds % size == 0:
            n = seconds // size
            return words(n) % {"n": n}
    return ngettext("%(n)s second", "%(n)s seconds", seconds) % {"n": seconds}


def _count_text(unit: Unit, n: int) -> str:
    texts = {
        Unit.MINUTES: ngettext("%(n)s minute", "%(n)s minutes", n),
        Unit.HOURS: ngettext("%(n)s hour", "%(n)s hours", n),
        Unit.DAYS: ngettext("%(n)s day", "%(n)s days", n),
        Unit.WORKING_DAYS: ngettext("%(n)s working day", "%(n)s working days", n),
        Unit.MONTHS: ngettext("%(n)s month", "%(n)s months", n),
    }
    return texts[unit] % {"n": n}


def value_text(key: str, value) -> str:
    """The value as a reader sees it in the active language, with its unit: "1 year", "15 minutes", "Yes"."""
    unit = parameter(key).unit
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, int) and unit == Unit.SECONDS:
        return _seconds_text(value)
    if isinstance(value, int) and unit in (Unit.MINUTES, Unit.HOURS, Unit.DAYS, Unit.WORKING_DAYS, Unit.MONTHS):
        return _count_text(unit, value)
    if isinstance(value, int | float) and unit == Unit.PERCENT:
        return gettext("%(n)s %%") % {"n": value}
    if isinstance(value, str) and value.strip().lower() in CADENCES:
        return str(CADENCES[value.strip().lower()])
    return str(value)


def described(parameters: dict) -> list[tuple[str, str]]:
    """(label, value with its unit) for each parameter, in the order of the labels."""
    return sorted(((label(k), value_text(k, v)) for k, v in (parameters or {}).items()), key=lambda p: p[0].lower())


# Reductions -------------------------------------------------------------------------------------------------

def _version_tuple(value) -> tuple[int, ...] | None:
    try:
        return tuple(int(part) for part in str(value).strip().split("."))
    except ValueError:
        return None


def _ordered(unit: Unit, value):
    """A comparable form of the value for its unit, or None when it cannot be compared."""
    if unit == Unit.VERSION:
        return _version_tuple(value)
    if unit == Unit.CADENCE:
        return CADENCE_RANK.get(str(value).strip().lower())
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value
    return None


def is_weakened(key: str, before, after) -> bool:
    """Whether changing the parameter from `before` to `after` lowers the protection promised."""
    meta = parameter(key)
    if meta.stronger == Stronger.NONE or before == after:
        return False
    if meta.stronger in (Stronger.TRUE, Stronger.FALSE):
        if not isinstance(before, bool) or not isinstance(after, bool):
            return False
        return before == (meta.stronger == Stronger.TRUE)
    old, new = _ordered(meta.unit, before), _ordered(meta.unit, after)
    if old is None or new is None or isinstance(old, bool) or isinstance(new, bool):
        return False
    if meta.stronger == Stronger.HIGHER:
        return new < old
    # LOWER and MORE_OFTEN: a smaller number (or cadence rank) is the stronger promise.
    return new > old
