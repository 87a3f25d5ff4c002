"""The built-in notification obligation templates, one per regime and recipient.

`templates_sync()` adds any that are missing after every migrate (and after a test database flush), like the
role table; it never changes a template that exists, so edits made in the admin stay. Obligations copy the
terms of their template when they are generated, so editing a template never rewrites an obligation.

The built-in texts are stored in English and marked for the catalogue (gettext_noop): pages, reminders and
documents show them through gettext, so a reader sees them in their language; a text edited in the admin has
no catalogue entry and shows as written.
"""

from django.db import connection
from django.utils.translation import gettext_noop

BUILT_IN_TEMPLATES = [
    {
        "code": "customer-notice", "regime": "contract", "recipient": "customer", "trigger": "customer", "order": 10,
        "title": gettext_noop("Processor's notice to the controller"),
        "legal_reference": gettext_noop("GDPR Art. 33(2); SCC 2021/915 clause 9.2; the customer's DPA"),
        "checklist": [
            gettext_noop(
                "Clause 9.2(a): nature of the breach, categories "
                "and approximate number of data subjects and records"
            ),
            gettext_noop("Clause 9.2(b): contact point for more information"),
            gettext_noop("Clause 9.2(c): likely consequences and measures taken or proposed, including mitigation"),
        ],
        "clock_start": "aware_at", "hours": 24, "use_customer_hours": True,
    },
    {
        "code": "sa-art33", "regime": "gdpr", "recipient": "authority", "trigger": "controller", "order": 20,
        "title": gettext_noop("Notification to the supervisory authority"),
        "legal_reference": gettext_noop("GDPR Art. 33(1), (3), (4)"),
        "checklist": [
            gettext_noop(
                "Art. 33(3)(a): nature of the breach, categories "
                "and approximate number of data subjects and records"
            ),
            gettext_noop("Art. 33(3)(b): name and contact details of the DPO or other contact point"),
            gettext_noop("Art. 33(3)(c): likely consequences"),
            gettext_noop("Art. 33(3)(d): measures taken or proposed, including mitigation"),
            gettext_noop("Art. 33(1): reasons for the delay, if later than 72 hours"),
        ],
        "clock_start": "aware_at", "hours": 72,
    },
    {
        "code": "subjects-art34", "regime": "gdpr", "recipient": "data_subjects", "trigger": "high_risk", "order": 30,
        "title": gettext_noop("Communication to the data subjects"),
        "legal_reference": gettext_noop("GDPR Art. 34(1), (2); exemptions Art. 34(3)"),
        "checklist": [
            gettext_noop("Art. 34(2): nature of the breach in clear and plain language"),
            gettext_noop("Art. 33(3)(b): DPO or other contact point"),
            gettext_noop("Art. 33(3)(c): likely consequences"),
            gettext_noop("Art. 33(3)(d): measures taken or proposed"),
        ],
        "clock_start": "aware_at", "hours": None,
    },
    {
        "code": "nis2-early-warning", "regime": "nis2", "recipient": "csirt", "trigger": "nis2", "order": 40,
        "title": gettext_noop("NIS2 early warning"),
        "legal_reference": gettext_noop("NIS2 Directive (EU) 2022/2555 Art. 23(4)(a)"),
        "checklist": [gettext_noop("Whether the incident is suspected of being caused by unlawful or malicious acts"),
                      gettext_noop("Whether it could have a cross-border impact")],
        "clock_start": "aware_at", "hours": 24,
    },
    {
        "code": "nis2-notification", "regime": "nis2", "recipient": "csirt", "trigger": "nis2", "order": 41,
        "title": gettext_noop("NIS2 incident notification"),
        "legal_reference": gettext_noop("NIS2 Directive (EU) 2022/2555 Art. 23(4)(b)"),
        "checklist": [
            gettext_noop("Update of the early warning"),
            gettext_noop("Initial assessment: severity and impact"),
            gettext_noop("Indicators of compromise, where available"),
        ],
        "clock_start": "aware_at", "hours": 72,
    },
    {
        "code": "nis2-final-report", "regime": "nis2", "recipient": "csirt", "trigger": "nis2", "order": 42,
        "title": gettext_noop("NIS2 final report"),
        "legal_reference": gettext_noop("NIS2 Directive (EU) 2022/2555 Art. 23(4)(d)"),
        "checklist": [
            gettext_noop("Detailed description: severity and impact"),
            gettext_noop("Type of threat or root cause"),
            gettext_noop("Mitigation measures applied and ongoing"),
            gettext_noop("Cross-border impact, where applicable"),
        ],
        "clock_start": "filing", "clock_after": "nis2-notification", "months": 1,
    },
]


def templates_sync() -> int:
    """Create the built-in templates that do not exist yet; returns how many were created."""
    from incidents.models import ObligationTemplate

    if ObligationTemplate._meta.db_table not in connection.introspection.table_names():
        return 0
    created = 0
    for values in BUILT_IN_TEMPLATES:
        _, is_new = ObligationTemplate.objects.get_or_create(
            code=values["code"], defaults={k: v for k, v in values.items() if k != "code"})
        created += is_new
    return created
