"""Main navigation entries of this app."""

from portal.core.navigation import NavItem, register

register(NavItem("Controls", "controls:list", "controls.view_control", order=10))
register(NavItem("Customers", "customers:list", "controls.view_customer", order=20))
register(NavItem("API token", "api:tokens", "controls.view_control", order=88))

# Sub-processors and records of processing (labels translatable; the entries above are the i18n owner's to mark).
from django.utils.translation import gettext_lazy as _  # noqa: E402

register(NavItem(_("Sub-processors"), "subprocessors:list", "controls.view_subprocessor", order=25))
