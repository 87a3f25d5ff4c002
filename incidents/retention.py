"""Retention of incident cases, declared to the retention backbone.

A closed case (or one ruled not a personal data breach) keeps its statistics and its obligations' dates as
the Art. 33(5) record, but loses its personal data (the encrypted texts, timeline and notice contents, and its
evidence files) when the policy's period after closure has passed: incidents.services.incident_anonymise.
A legal hold on the case itself, or on an affected customer, stops it.
"""

from django.utils.translation import gettext_lazy as _

from incidents.models import Incident, Phase
from portal.retention.models import Action, CountsFrom
from portal.retention.registry import Holdable, HoldPath, PolicyDefault, RetentionTarget, register, register_holdable

CASE_POLICY = "incident-cases"


def _closed_cases():
    return Incident.objects.filter(phase__in=[Phase.CLOSED, Phase.NOT_A_BREACH], anonymised_at__isnull=True,
                                   closed_at__isnull=False)


def _anonymise(pks) -> int:
    from incidents.services import incident_anonymise

    done = 0
    for incident in Incident.objects.filter(pk__in=pks, anonymised_at__isnull=True):
        incident_anonymise(incident=incident, actor=None)
        done += 1
    return done


CLOSED_CASES = register(RetentionTarget(
    name="incidents.closed_cases",
    label=_("Personal data of closed incident cases"),
    policy=CASE_POLICY,
    queryset=_closed_cases,
    date_field="closed_at",
    counts_from=CountsFrom.CLOSURE,
    action=Action.ANONYMISE,
    anonymise=_anonymise,
    holds=(HoldPath(model="controls.customer", lookup="customers"),),
    batch_size=100,
    default=PolicyDefault(
        data_category=_("Incident and breach cases: descriptions, reporters, notices, evidence"),
        system=_("Annex database, encrypted file store"),
        purpose=_("Handling security incidents and documenting personal data breaches (Art. 33(5) GDPR)."),
        legal_basis=_("Art. 6(1)(c) GDPR with Art. 33(5); Art. 6(1)(f) GDPR"),
        period_months=36, counts_from=CountsFrom.CLOSURE, action=Action.ANONYMISE,
    ),
    description=_("The statistics and the obligations' dates stay; the personal data go."),
))

register_holdable(Holdable(
    model="incidents.incident", label=_("Incident case"), lookup="reference",
    queryset=lambda: Incident.objects.all(), hint=_("its reference, e.g. INC-2026-0001"),
))
