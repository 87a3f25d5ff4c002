"""Main navigation entries of this app."""

from django.utils.translation import gettext_lazy as _

from portal.core.navigation import NavItem, register

register(NavItem(_("Controls"), "controls:list", "controls.view_control", order=10))
register(NavItem(_("Customers"), "customers:list", "controls.view_customer", order=20))
register(NavItem(_("API token"), "api:tokens", "controls.view_control", order=88))
register(NavItem(_("Sub-processors"), "subprocessors:list", "controls.view_subprocessor", order=25))
