"""The programme's daily figures, kept so the dashboard and the programme report can draw trends."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MetricSnapshot(models.Model):
    """One figure of one day (`source`.`key`), written by the daily snapshot; one row per day and figure."""

    day = models.DateField(_("day"))
    source = models.CharField(_("source"), max_length=64)  # a registered MetricSource, e.g. "<app>.<metric>"
    key = models.CharField(_("figure"), max_length=64)
    value = models.FloatField(_("value"))
    taken_at = models.DateTimeField(_("taken at"), auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "source", "key"], name="metric_one_per_day")]
        indexes = [models.Index(fields=["source", "day"], name="metric_source_day_idx")]
        # The programme's posture as a whole (its cards, trends and report); each card also needs its own permission.
        permissions = [("view_programme", "Can see the programme's posture, its trends and the programme report")]

    def __str__(self) -> str:
        return f"{self.day} {self.source}.{self.key} = {self.value}"
