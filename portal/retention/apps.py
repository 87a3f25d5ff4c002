from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "portal.retention"
    label = "retention"
