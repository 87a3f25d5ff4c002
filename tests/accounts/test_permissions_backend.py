import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.accounts.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_users_permissions_are_their_roles_and_their_own_read_in_one_query():
    user = UserFactory(roles=[Role.AUDITOR])
    user.user_permissions.add(Permission.objects.get(codename="invite_user"))
    user = type(user).objects.get(pk=user.pk)

    with CaptureQueriesContext(connection) as ctx:
        perms = user.get_all_permissions()
        assert user.has_perm("audit.view_auditevent") and user.has_perm("accounts.invite_user")
    assert len(ctx.captured_queries) == 1
    assert "accounts.invite_user" in perms and "audit.view_auditevent" in perms
    assert not user.has_perm("accounts.manage_roles")


def test_an_inactive_user_has_no_permissions():
    user = UserFactory(roles=[Role.ADMIN], is_active=False)
    assert user.get_all_permissions() == set() and not user.has_perm("accounts.manage_roles")


@pytest.mark.parametrize("roles", [[], [Role.AUDITOR], [Role.SECURITY_OFFICER, Role.AUDITOR], [Role.ADMIN]])
def test_the_permission_set_is_the_one_djangos_model_backend_computes(roles):
    from django.contrib.auth.backends import ModelBackend

    user = UserFactory(roles=roles)
    user.user_permissions.add(Permission.objects.get(codename="invite_user"))
    UserFactory(roles=[Role.DPO])  # someone else's roles must not leak in
    user = type(user).objects.get(pk=user.pk)
    expected = ModelBackend().get_all_permissions(user)
    assert user.get_all_permissions() == expected and "accounts.invite_user" in expected


def test_a_superuser_has_every_permission():
    user = UserFactory(is_superuser=True)
    assert len(user.get_all_permissions()) == Permission.objects.count()
