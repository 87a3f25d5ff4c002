"""Audit actions of the installation itself: backups and restores."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.audit.registry import register_actions


@register_actions
class SystemAction(models.TextChoices):
    BACKUP_MADE = "system.backup_made", _("Backup written")
    RESTORED = "system.restored", _("Installation restored from a backup")
