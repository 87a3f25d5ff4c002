from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "portal.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self):
        from django.utils.module_loading import autodiscover_modules

        # Each domain app declares its reminder rules in <app>/reminders.py.
        autodiscover_modules("reminders")
