from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class AuditConfig(AppConfig):
    name = "portal.audit"
    label = "audit"

    def ready(self):
        # Each app's `audit_actions.py` registers its actions and their labels.
        autodiscover_modules("audit_actions")
