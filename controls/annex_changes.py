"""What a new TOM annex version takes away, which version is in force for a customer, and which published
versions now say more than is true.

A reduction needs the customer's consent before it takes effect (DESIGN.md, "changes to the annex"; GDPR
Art. 28(2) practice and the SCC's clauses on changes). The reductions detected:
- a measure stated as implemented before is no longer (removed, left out, or moved back to planned);
- a parameter weakened (TLS 1.3 -> 1.2, a shorter log retention, a longer patch window), or a parameter
  with a direction dropped;
- a certification lapsed (a standard certified before has no certificate in date now);
- a longer breach notice deadline than the one the customer relied on.
"""

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext

from controls.parameters import Stronger, is_weakened, label, parameter, value_text


class Reduction:
    REMOVED = "removed"
    WEAKENED = "weakened"
    PARAMETER_DROPPED = "parameter_dropped"
    LAPSED = "lapsed"
    BREACH_HOURS = "breach_hours"


def stated_items(content: dict | None) -> dict[str, dict]:
    """The measures a snapshot states as implemented, by reference (categories and assistance)."""
    if not content:
        return {}
    items = {i["reference"]: i for s in content.get("sections", []) for i in s.get("items", [])}
    for group in (content.get("assistance") or {}).get("groups", []):
        items.update({i["reference"]: i for i in group.get("items", [])})
    return items


def _parameters(item: dict) -> dict:
    """{key: value} of an item; items of versions published before parameters had keys are [name, text] pairs."""
    result = {}
    for entry in item.get("parameters", []):
        if isinstance(entry, dict):
            result[entry["key"]] = entry["value"]
        else:
            result[entry[0]] = entry[1]
    return result


def reductions(old: dict | None, new: dict) -> list[dict]:
    """Each point where `new` promises less than `old`, in a stable order."""
    if not old:
        return []
    found = []
    before, after = stated_items(old), stated_items(new)
    for reference in sorted(before):
        if reference not in after:
            found.append({"what": Reduction.REMOVED, "reference": reference, "title": before[reference]["title"]})
            continue
        old_params, new_params = _parameters(before[reference]), _parameters(after[reference])
        for key in sorted(old_params):
            if key not in new_params:
                if parameter(key).stronger != Stronger.NONE:
                    found.append({"what": Reduction.PARAMETER_DROPPED, "reference": reference,
                                  "title": after[reference]["title"], "key": key, "before": old_params[key]})
            elif is_weakened(key, old_params[key], new_params[key]):
                found.append({"what": Reduction.WEAKENED, "reference": reference, "title": after[reference]["title"],
                              "key": key, "before": old_params[key], "after": new_params[key]})
    certified_now = {c["standard"] for c in new.get("certifications", [])}
    for standard in sorted({c["standard"] for c in old.get("certifications", [])} - certified_now):
        found.append({"what": Reduction.LAPSED, "reference": "", "title": standard})
    old_hours = (old.get("assistance") or {}).get("breach_hours")
    new_hours = (new.get("assistance") or {}).get("breach_hours")
    if old_hours is not None and new_hours is not None and new_hours > old_hours:
        found.append({"what": Reduction.BREACH_HOURS, "reference": "", "title": "", "before": old_hours,
                      "after": new_hours})
    return found


def describe(reduction: dict) -> str:
    """One reduction as a sentence in the active language."""
    what = reduction["what"]
    values = {"reference": reduction.get("reference", ""), "title": reduction.get("title", "")}
    if what == Reduction.REMOVED:
        return gettext("%(reference)s %(title)s is no longer stated as implemented.") % values
    if what == Reduction.WEAKENED:
        key = reduction["key"]
        return gettext("%(reference)s %(title)s: %(label)s %(before)s → %(after)s.") % {
            **values, "label": label(key), "before": value_text(key, reduction["before"]),
            "after": value_text(key, reduction["after"])}
    if what == Reduction.PARAMETER_DROPPED:
        key = reduction["key"]
        return gettext("%(reference)s %(title)s: %(label)s (%(before)s) is no longer stated.") % {
            **values, "label": label(key), "before": value_text(key, reduction["before"])}
    if what == Reduction.LAPSED:
        return gettext("The %(standard)s certification is no longer in date.") % {"standard": reduction["title"]}
    if what == Reduction.BREACH_HOURS:
        return gettext("Breach notice deadline: %(before)s → %(after)s hours.") % {
            "before": reduction["before"], "after": reduction["after"]}
    return what


def in_force(versions, notices: dict, today: date | None = None):
    """The version in force among one subject's `versions` (newest first): the newest whose notice says it took
    effect; a version without a notice (the all-customers annex, or published before notices) from its date."""
    from controls.models_annex import AnnexNoticeState

    today = today or timezone.localdate()
    for version in versions:
        notice = notices.get(version.pk)
        if notice is None:
            if (version.effective_on or timezone.localdate(version.published_at)) <= today:
                return version
        elif notice.state(today) == AnnexNoticeState.EFFECTIVE:
            return version
    return None
