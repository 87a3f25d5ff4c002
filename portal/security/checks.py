"""System checks: a usable key provider, a private keyring, and nothing encrypted left unregistered."""

from django.apps import apps
from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.utils.module_loading import import_string

from portal.security.keys import LocalKeyringProvider, keyring_permission_problem
from portal.security.registry import unregistered_encrypted_fields


@register(Tags.security)
def check_key_provider(app_configs, **kwargs):
    try:
        provider_class = import_string(settings.ANNEX_KEY_PROVIDER)
    except ImportError as exc:
        return [Error(f"ANNEX_KEY_PROVIDER cannot be imported: {exc}", id="security.E001")]
    if provider_class is LocalKeyringProvider:
        problem = keyring_permission_problem(settings.ANNEX_KEYRING_FILE)
        if problem:
            return [Warning(problem, hint="chmod 600 the keyring file", id="security.W001")]
    return []


@register(Tags.models)
def check_encrypted_fields_registered(app_configs, **kwargs):
    return [
        Error(
            f"{label} is encrypted but not registered, so reencrypt and retire_key would miss it",
            hint="call portal.security.registry.register_encrypted_fields() in the app's AppConfig.ready()",
            id="security.E002",
        )
        for label in unregistered_encrypted_fields(apps.get_models())
    ]
