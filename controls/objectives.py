"""The eight control objectives of the former German Federal Data Protection Act (Anlage zu § 9 BDSG a. F.).

Many German organisations still file their measures under these objectives. A control is filed under one by
carrying its tag (case-insensitive, e.g. `zutrittskontrolle`); where no control carries any of them, the
organisation does not use them and the dashboard shows no breakdown by them.
"""

from django.utils.translation import gettext_lazy as _

OBJECTIVES = (
    ("zutrittskontrolle", _("Physical access control (Zutrittskontrolle)")),
    ("zugangskontrolle", _("System access control (Zugangskontrolle)")),
    ("zugriffskontrolle", _("Data access control (Zugriffskontrolle)")),
    ("weitergabekontrolle", _("Transfer control (Weitergabekontrolle)")),
    ("eingabekontrolle", _("Input control (Eingabekontrolle)")),
    ("auftragskontrolle", _("Processing on instructions (Auftragskontrolle)")),
    ("verfuegbarkeitskontrolle", _("Availability control (Verfügbarkeitskontrolle)")),
    ("trennungsgebot", _("Separation of purposes (Trennungsgebot)")),
)
_KEYS = {key for key, _label in OBJECTIVES}


def objectives_of(tags) -> set[str]:
    """The objectives a control's tags file it under (the tags are written without umlauts, as the keys above)."""
    return {key for key in (tag.strip().lower() for tag in tags or []) if key in _KEYS}
