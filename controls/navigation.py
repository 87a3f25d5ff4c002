"""Main navigation entries of this app."""

from portal.core.navigation import NavItem, register

register(NavItem("Controls", "controls:list", "controls.view_control", order=10))
register(NavItem("Customers", "customers:list", "controls.view_customer", order=20))
register(NavItem("API token", "api:tokens", "controls.view_control", order=88))
