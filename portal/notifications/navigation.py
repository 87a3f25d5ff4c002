"""Main navigation entries of this app."""

from portal.core.navigation import NavItem, register

register(NavItem("Failed deliveries", "notifications:failed_list", "notifications.retry_delivery", order=95))
