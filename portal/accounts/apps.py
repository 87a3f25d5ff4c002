from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_roles(sender, **kwargs):
    from portal.accounts.roles import roles_sync

    roles_sync()


class AccountsConfig(AppConfig):
    name = "portal.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        # Runs once per migrate (dispatch_uid), after every app's permissions exist.
        post_migrate.connect(_sync_roles, dispatch_uid="annex.accounts.sync_roles")
