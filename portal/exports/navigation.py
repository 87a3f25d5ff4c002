"""Main navigation entries of this app."""

from django.utils.translation import gettext_lazy as _

from portal.core.navigation import NavItem, register

register(NavItem(_("Exports"), "exports:list", order=70))
