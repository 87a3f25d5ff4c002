from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RetentionConfig(AppConfig):
    name = "portal.retention"
    label = "retention"
    verbose_name = _("Retention")

    def ready(self):
        from django.utils.module_loading import autodiscover_modules

        # Each app declares the records its retention policies cover in <app>/retention.py.
        autodiscover_modules("retention")
