from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "portal.exports"
    label = "exports"
    verbose_name = "Exports"

    def ready(self):
        from django.utils.module_loading import autodiscover_modules

        # Domain apps register their export kinds in `<app>/exports.py`.
        autodiscover_modules("exports")
