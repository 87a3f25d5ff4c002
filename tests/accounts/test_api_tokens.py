"""API tokens are stored as hashes; a token issued by an older release keeps working after the migration."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from rest_framework.test import APIClient

from portal.accounts.models import ApiToken, hash_secret
from portal.accounts.roles import Role
from portal.accounts.tokens import api_token_create
from tests.factories import UserFactory


@pytest.mark.django_db
def test_the_database_holds_only_the_hash_of_a_token():
    user = UserFactory(roles=[Role.AUDITOR])
    key = api_token_create(user=user)
    row = ApiToken.objects.values().get(user=user)
    assert key not in str(row) and row["key_hash"] == hash_secret(key)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/controls/").status_code == 200
    api.credentials(HTTP_AUTHORIZATION=f"Token {row['key_hash']}")  # the hash itself is no key
    assert api.get("/api/controls/").status_code == 401


@pytest.mark.django_db(transaction=True)
def test_the_migration_hashes_tokens_kept_in_clear_and_deletes_the_clear_keys():
    before = [("accounts", "0002_invitations_and_backup_codes"), ("authtoken", "0004_alter_tokenproxy_options")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    user = old.get_model("accounts", "User").objects.create(email="old@annex.test", full_name="Old Token")
    old.get_model("authtoken", "Token").objects.create(user=user, key="a" * 40)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    from rest_framework.authtoken.models import Token

    assert not Token.objects.exists()
    assert ApiToken.objects.get(user_id=user.pk).key_hash == hash_secret("a" * 40)
