"""Links to a control's page, built without a reverse() per control (lists, reminders and the API make thousands)."""

from functools import cache

from django.urls import reverse


@cache
def _detail_prefix() -> str:
    return reverse("controls:detail", args=[0])[: -len("0/")]


def control_url(pk: int) -> str:
    """The same path as reverse("controls:detail", args=[pk]); the pattern is controls/<int:pk>/."""
    return f"{_detail_prefix()}{pk}/"
