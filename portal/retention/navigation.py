"""Main navigation entries of retention."""

from django.utils.translation import gettext_lazy as _

from portal.core.navigation import NavItem, register

register(NavItem(_("Retention"), "retention:policy_list", "retention.view_retentionpolicy", order=60))
