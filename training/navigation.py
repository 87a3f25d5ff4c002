"""Main navigation entries of employee training."""

from django.utils.translation import gettext_lazy as _

from portal.core.navigation import NavItem, register

register(NavItem(_("My training"), "training:my_training", order=30))
register(NavItem(_("Courses"), "training:course_list", "training.change_course", order=32))
register(NavItem(_("Training report"), "training:report", "training.view_training_report", order=34))
register(NavItem(_("Employees"), "training:directory", "training.manage_directory", order=36))
