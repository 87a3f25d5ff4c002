from tests.authz.spec import EVERY_VERIFIED_USER, PUBLIC, Access


def _trend(owner):
    """A day of the control status mix, so its chart has something to draw."""
    from django.utils import timezone

    from portal.core.models import MetricSnapshot

    MetricSnapshot.objects.get_or_create(day=timezone.localdate(), source="controls.status", key="planned",
                                         defaults={"value": 3})
    return {"name": "controls.status"}


ENTRIES = [
    Access("portal:healthz", PUBLIC, anonymous=200, mfa_exempt=True),
    Access("portal:dashboard", EVERY_VERIFIED_USER),
    Access("portal:about", EVERY_VERIFIED_USER),
    # A trend is part of the programme's posture (core.view_programme) and needs its source's permission; to anyone
    # else the chart does not exist.
    Access("portal:trend_chart", ["DPO", "Admin", "Auditor"], kwargs=_trend, denied=404),
]
