"""Main navigation entries of this app."""

from portal.core.navigation import NavItem, register

register(NavItem("Audit trail", "audit:event_list", "audit.view_auditevent", order=90))
