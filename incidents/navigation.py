"""Main navigation entries of this app."""

from django.utils.translation import gettext_lazy as _

from portal.core.navigation import NavItem, register

register(NavItem(_("Incidents"), "incidents:board", "incidents.view_incident", order=30))
register(NavItem(_("Breach register"), "incidents:register", "incidents.view_all_incidents", order=31))
# Everyone: the awareness training teaches staff to report a suspected breach here.
register(NavItem(_("Report a breach"), "incidents:report", order=35))
