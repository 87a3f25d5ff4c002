from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "portal.security"
    label = "security"
