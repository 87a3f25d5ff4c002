"""Incident cases for tests, built through the services so grants, clocks and audit are as in real use."""

from datetime import timedelta

from django.utils import timezone

from incidents import services
from portal.accounts.roles import Role
from tests.factories import UserFactory


def responder(**fields):
    return UserFactory(roles=[Role.INCIDENT_RESPONDER], **fields)


def dpo(**fields):
    return UserFactory(roles=[Role.DPO], **fields)


def open_case(actor=None, *, customers=(), aware_hours_ago: float = 1, **fields):
    """A case opened by `actor` (a new responder if none), who is then its assignee."""
    actor = actor or responder()
    now = timezone.now()
    values = {
        "title": "Misdirected export of support tickets",
        "description": "A CSV export of tickets was emailed to the wrong customer contact.",
        "reported_by": "Harald Hinweis, support desk",
        "detected_at": now - timedelta(hours=aware_hours_ago),
        "aware_at": now - timedelta(hours=aware_hours_ago),
        "customers": list(customers),
    }
    values.update(fields)
    return services.incident_open(actor=actor, **values)


ASSESSMENT_INPUT = {
    "data_category": "financial", "context_adjustment": 0, "ease_of_identification": "maximum",
    "confidentiality": "unknown_recipients", "integrity": "none", "availability": "none", "malicious": True,
    "encrypted_unintelligible": False, "subsequent_measures": False, "subjects": 1200,
}
