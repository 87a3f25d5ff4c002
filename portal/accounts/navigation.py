"""Main navigation entries of this app."""

from django.utils.translation import gettext_lazy as _

from portal.core.navigation import NavItem, register

register(NavItem(_("Users"), "accounts:user_list", "accounts.view_user", order=80))
register(NavItem(_("My security"), "accounts:security", order=85))
register(NavItem(_("Locked sign-ins"), "accounts:lockout_list", "axes.view_accessattempt", order=82))
