from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "portal.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from django.utils.module_loading import autodiscover_modules

        # Each domain app declares its reminder rules in <app>/reminders.py.
        autodiscover_modules("reminders")

        from portal.accounts.credentials import register_credential_revoker
        from portal.notifications.services_preferences import calendar_feeds_revoke_all

        # Deactivating a user or resetting their MFA also revokes their calendar feed links.
        register_credential_revoker("calendar_feeds", calendar_feeds_revoke_all)
