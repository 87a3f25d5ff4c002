"""The reasons Annex itself gives for a control needing attention, stored in English and shown in the reader's
language: `Control.attention_reason` and `AttentionDecision.reason_at_decision` hold these msgids, joined by
"; ". A reason a person typed shows as written.

Rows written before the reasons were messages may say "review overdue since 19 Nov 2026"; they show as the
overdue review (the review date is on the page anyway).
"""

import re

from django.utils.translation import gettext, gettext_noop

REVIEW_OVERDUE = gettext_noop("review overdue")
EVIDENCE_EXPIRED = gettext_noop("all evidence has expired")
NEEDS_ATTENTION = gettext_noop("needs attention")
NO_EVIDENCE_IN_DATE = gettext_noop("no evidence in date")
SEPARATOR = "; "

_AUTOMATIC = {REVIEW_OVERDUE, EVIDENCE_EXPIRED, NEEDS_ATTENTION, NO_EVIDENCE_IN_DATE}
_OLD_REVIEW_OVERDUE = re.compile(r"review overdue since \d{1,2} [A-Za-z]{3} \d{4}")


def _msgid(part: str) -> str | None:
    if part in _AUTOMATIC:
        return part
    if _OLD_REVIEW_OVERDUE.fullmatch(part):
        return REVIEW_OVERDUE
    return None


def reason_text(value: str, *, without: tuple[str, ...] = ()) -> str:
    """The stored reason in the active language, less the automatic reasons in `without` (a page that says
    them already); a reason a person wrote shows as written."""
    if not value:
        return value
    msgids = [_msgid(part) for part in value.split(SEPARATOR)]
    if None in msgids:
        return value
    return SEPARATOR.join(gettext(m) for m in msgids if m not in without)
