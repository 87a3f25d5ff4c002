"""People can be put under a legal hold: every purge that reaches them (their notices, their audit events,
their training records) stops until it is released."""

from django.utils.translation import gettext_lazy as _

from portal.accounts.models import User
from portal.retention.registry import Holdable, register_holdable

register_holdable(Holdable(
    model="accounts.user", label=_("Person"), lookup="email__iexact", queryset=lambda: User.objects.all(),
    hint=_("their email address"),
))
