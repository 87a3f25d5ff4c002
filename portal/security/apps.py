from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    name = "portal.security"
    label = "security"
    verbose_name = _("Encryption at rest")

    def ready(self):
        from django.core.signals import setting_changed

        from portal.security import checks  # noqa: F401 - registers the system checks
        from portal.security.keys import reset_key_provider

        # A changed provider or keyring path (tests, override_settings) must not reuse the old keys.
        setting_changed.connect(reset_key_provider, dispatch_uid="security.reset_key_provider")
