"""The TOM annex's fixed legal texts, marked for translation with their source.

English wording is verbatim from catalogue/scc-annex-measures.json (the published decisions); tests hold
the two equal. German wording is in locale/de, to be taken from the German version of the same decisions.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Which annex a customer's TOM annex is: the clauses it belongs to, as page 1 names it.
INSTRUMENTS = {
    "2021/915": _("Annex III to the standard contractual clauses between controllers and processors "
                  "(Commission Implementing Decision (EU) 2021/915, Art. 28(7) GDPR)"),
    "2021/914": _("Annex II to the standard contractual clauses for the transfer of personal data to third "
                  "countries (Commission Implementing Decision (EU) 2021/914)"),
}
MODULES = {
    "module_2": _("Module Two: transfer controller to processor"),
    "module_3": _("Module Three: transfer processor to processor"),
}

# Translators: Lead-in of Annex II of (EU) 2021/914 in its German version ("Datenimporteur(e)");
# not verified against EUR-Lex here.
LEAD_IN_2021_914 = pgettext_lazy(
    "SCC annex",
    "Description of the technical and organisational measures implemented by the data importer(s) "
    "(including any relevant certifications) to ensure an appropriate level of security, taking into account "
    "the nature, scope, context and purpose of the processing, and the risks for the rights and freedoms of "
    "natural persons.",
)

# Clause 9.2 of the SCC 2021/915: what the processor's notice of a breach contains at least.
CLAUSE_9_2 = {
    # Translators: Clause 9.2 of the SCC, Implementing Decision (EU) 2021/915, in its German version
    # (ABl. L 199 vom 7.6.2021, CELEX 32021D0915); not verified against EUR-Lex here.
    "lead": pgettext_lazy(
        "SCC clause",
        "In the event of a personal data breach concerning data processed by the processor, the processor shall "
        "notify the controller without undue delay after the processor having become aware of the breach. Such "
        "notification shall contain, at least:",
    ),
    # Translators: Clause 9.2(a) of the SCC 2021/915 in its German version; not verified against EUR-Lex here.
    "a": pgettext_lazy(
        "SCC clause",
        "a description of the nature of the breach (including, where possible, the categories and approximate "
        "number of data subjects and data records concerned);",
    ),
    # Translators: Clause 9.2(b) of the SCC 2021/915 in its German version; not verified against EUR-Lex here.
    "b": pgettext_lazy(
        "SCC clause",
        "the details of a contact point where more information concerning the personal data breach can be "
        "obtained;",
    ),
    # Translators: Clause 9.2(c) of the SCC 2021/915 in its German version; not verified against EUR-Lex here.
    "c": pgettext_lazy(
        "SCC clause",
        "its likely consequences and the measures taken or proposed to be taken to address the breach, including "
        "to mitigate its possible adverse effects.",
    ),
    # Translators: Clause 9.2, second subparagraph, of the SCC 2021/915 in its German version; not verified.
    "phasing": pgettext_lazy(
        "SCC clause",
        "Where, and insofar as, it is not possible to provide all this information at the same time, the initial "
        "notification shall contain the information then available and further information shall, as it becomes "
        "available, subsequently be provided without undue delay.",
    ),
}
