"""The 17 SCC measure categories and the annex's fixed texts, marked for translation.

The English wording is verbatim from the published decisions (catalogue/scc-annex-measures.json). The
German wording belongs in the catalogue (locale/de), taken from the German-language version of the same
decisions: Durchführungsbeschluss (EU) 2021/914 der Kommission vom 4. Juni 2021, Anhang II, and
Durchführungsbeschluss (EU) 2021/915, Anhang III, which lists the same 17 categories in the same order
(ABl. L 199 vom 7.6.2021). The translator comments below say so in the catalogue itself.
"""

from django.utils.translation import pgettext_lazy

HEADINGS = {
    # Translators: Official German wording of the 17 SCC measure categories: Durchführungsbeschluss (EU)
    # 2021/914, Anhang II, and (EU) 2021/915, Anhang III (ABl. L 199 vom 7.6.2021, CELEX 32021D0914 and
    # 32021D0915). NOT VERIFIED against EUR-Lex when this catalogue was written (no access to the
    # Official Journal here): compare each heading with the German version before relying on it.
    "pseudonymisation_encryption": pgettext_lazy(
        "SCC measure category",
        "Measures of pseudonymisation and encryption of personal data",
    ),
    # Translators: German wording of (EU) 2021/914 Anhang II / 2021/915 Anhang III; not verified against EUR-Lex.
    "cia_resilience": pgettext_lazy(
        "SCC measure category",
        "Measures for ensuring ongoing confidentiality, integrity, availability and resilience of "
        "processing systems and services",
    ),
    # Translators: German wording of (EU) 2021/914 Anhang II / 2021/915 Anhang III; not verified against EUR-Lex.
    "restore_availability": pgettext_lazy(
        "SCC measure category",
        "Measures for ensuring the ability to restore the availability and access to personal data in a "
        "timely manner in the event of a physical or technical incident",
    ),
    # Translators: German wording of (EU) 2021/914 Anhang II / 2021/915 Anhang III; not verified against EUR-Lex.
    "testing_evaluation": pgettext_lazy(
        "SCC measure category",
        "Processes for regularly testing, assessing and evaluating the effectiveness of technical and "
        "organisational measures in order to ensure the security of the processing",
    ),
    # Translators: German wording of (EU) 2021/914 Anhang II / 2021/915 Anhang III; not verified against EUR-Lex.
    "identification_authorisation": pgettext_lazy(
        "SCC measure category",
        "Measures for user identification and authorisation",
    ),
    # Translators: German wording of (EU) 2021/914 Anhang II / 2021/915 Anhang III; not verified against EUR-Lex.
    "protection_in_transmission": pgettext_lazy(
        "SCC measure category",
        "Measures for the protection of data during transmission",
    ),
    # Translators: German wording of (EU) 2021/914 Anhang II / 2021/915 Anhang III; not verified against EUR-Lex.
    "protection_in_storage": pgettext_lazy(
        "SCC measure category",
        "Measures for the protection of data during storage",
    ),
    # Translators: German wording of (EU) 2021/914 Anhang II / 2021/915 Anhang III; not verified against EUR-Lex.
    "physical_security": pgettext_lazy(
        "SCC measure category",
        "Measures for ensuring physical security of locations at which personal data are processed",
    ),
    # Translators: German wording of (EU) 2021/914 Anhang II / 2021/915 Anhang III; not verified against EUR-Lex.
    "events_logging": pgettext_lazy(
        "SCC measure category",
        "Measures for ensuring events logging",
    ),
    # Translators: German wording of (EU) 2021/914 Anhang II / 2021/915 Anhang III; not verified against EUR-Lex.
    "system_configuration": pgettext_lazy(
        "SCC measure category",
        "Measures for ensuring system configuration, including default configuration",
    ),
    # Translators: German wording of (EU) 2021/914 Anhang II / 2021/915 Anhang III; not verified against EUR-Lex.
    "it_governance": pgettext_lazy(
        "SCC measure category",
        "Measures for internal IT and IT security governance and management",
    ),
    # Translators: German wording of (EU) 2021/914 Anhang II / 2021/915 Anhang III; not verified against EUR-Lex.
    "certification_assurance": pgettext_lazy(
        "SCC measure category",
        "Measures for certification/assurance of processes and products",
    ),
    # Translators: German wording of (EU) 2021/914 Anhang II / 2021/915 Anhang III; not verified against EUR-Lex.
    "data_minimisation": pgettext_lazy(
        "SCC measure category",
        "Measures for ensuring data minimisation",
    ),
    # Translators: German wording of (EU) 2021/914 Anhang II / 2021/915 Anhang III; not verified against EUR-Lex.
    "data_quality": pgettext_lazy(
        "SCC measure category",
        "Measures for ensuring data quality",
    ),
    # Translators: German wording of (EU) 2021/914 Anhang II / 2021/915 Anhang III; not verified against EUR-Lex.
    "limited_retention": pgettext_lazy(
        "SCC measure category",
        "Measures for ensuring limited data retention",
    ),
    # Translators: German wording of (EU) 2021/914 Anhang II / 2021/915 Anhang III; not verified against EUR-Lex.
    "accountability": pgettext_lazy(
        "SCC measure category",
        "Measures for ensuring accountability",
    ),
    # Translators: German wording of (EU) 2021/914 Anhang II / 2021/915 Anhang III; not verified against EUR-Lex.
    "portability_erasure": pgettext_lazy(
        "SCC measure category",
        "Measures for allowing data portability and ensuring erasure",
    ),
}

ANNEX_TEXT = {
    # Translators: Title of Annex II of (EU) 2021/914 in its German version ("TECHNISCHE UND ORGANISATORISCHE
    # MASSNAHMEN ..."); not verified against EUR-Lex here.
    "annex_title": pgettext_lazy(
        "SCC annex",
        "TECHNICAL AND ORGANISATIONAL MEASURES INCLUDING TECHNICAL AND ORGANISATIONAL MEASURES TO "
        "ENSURE THE SECURITY OF THE DATA",
    ),
    # Translators: Lead-in of Annex III of (EU) 2021/915 in its German version (the processor's measures);
    # not verified against EUR-Lex here.
    "lead_in": pgettext_lazy(
        "SCC annex",
        "Description of the technical and organisational measures implemented by the processor(s) "
        "(including any relevant certifications) to ensure an appropriate level of security, taking "
        "into account the nature, scope, context and purpose of the processing, and the risks for "
        "the rights and freedoms of natural persons.",
    ),
    # Translators: Closing sentence of Annex II of (EU) 2021/914 in its German version (the measures of
    # (sub-)processors); not verified against EUR-Lex here.
    "closing_sentence": pgettext_lazy(
        "SCC annex",
        "For transfers to (sub-) processors, also describe the specific technical and organisational measures "
        "to be taken by the (sub-) processor to be able to provide assistance to the controller and, for "
        "transfers from a processor to a sub-processor, to the data exporter",
    ),
}


def heading(category_id: str, wording: str) -> str:
    """The category heading in the active language (the published English wording if none is known)."""
    text = HEADINGS.get(category_id)
    return str(text) if text is not None else wording
