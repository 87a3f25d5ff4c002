"""Main navigation entries of this app."""

from portal.core.navigation import NavItem, register

register(NavItem("Exports", "exports:list", order=70))
