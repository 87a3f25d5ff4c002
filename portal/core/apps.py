from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class CoreConfig(AppConfig):
    name = "portal.core"
    label = "core"

    def ready(self):
        autodiscover_modules("dashboard")
        autodiscover_modules("navigation")
        autodiscover_modules("metrics")  # daily key figures: portal.core.metrics
        autodiscover_modules("inbox")  # the task inbox: portal.core.inbox
