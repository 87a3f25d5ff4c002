"""Main navigation entries of this app."""

from django.utils.translation import gettext_lazy as _

from portal.core.navigation import NavItem, register

register(NavItem(_("Audit trail"), "audit:event_list", "audit.view_auditevent", order=90))
