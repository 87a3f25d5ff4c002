"""Main navigation entries of this app."""

from django.utils.translation import gettext_lazy as _

from portal.core.navigation import NavItem, register

register(NavItem(_("Incidents"), "incidents:board", "incidents.view_incident", order=30))
register(NavItem(_("Breach register"), "incidents:register", "incidents.view_all_incidents", order=31))
