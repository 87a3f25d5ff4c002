"""Main navigation entries of this app."""

from portal.core.navigation import NavItem, register

register(NavItem("Users", "accounts:user_list", "accounts.view_user", order=80))
register(NavItem("My security", "accounts:security", order=85))
