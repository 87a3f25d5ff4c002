from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender, **kwargs):
    from portal.accounts.roles import roles_sync

    roles_sync()


def _audit_lockout(sender, request=None, username=None, ip_address=None, **kwargs):
    from portal.accounts.services import user_locked_out

    user_locked_out(username=username or "")


class AccountsConfig(AppConfig):
    name = "portal.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        # Runs once per migrate (dispatch_uid), after every app's permissions exist.
        post_migrate.connect(_sync_roles, dispatch_uid="annex.accounts.sync_roles")
        # django-axes announces a lockout with a signal; the audit trail records it.
        from axes.signals import user_locked_out

        user_locked_out.connect(_audit_lockout, dispatch_uid="annex.accounts.audit_lockout")
        # TOTP keys are encrypted at rest: re-encryption and key retirement must find them.
        from portal.accounts.models import TOTPDevice
        from portal.security.registry import register_encrypted_fields

        register_encrypted_fields(TOTPDevice, "key")
