"""Django's model backend, with the two reads every signed-in request makes done without the ORM's
compilation, which on this stack costs more than the queries themselves: the session's user (a prepared
query) and the user's permissions (one plain SQL query instead of two ORM ones; the navigation shows
only what the user may open, so every page asks for them).
"""

from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from portal.core.prepared import PreparedQuery

_user_by_pk = PreparedQuery(lambda pk: get_user_model()._default_manager.filter(pk=pk), int)


@cache
def _permissions_sql() -> str:
    user = get_user_model()
    quote = connection.ops.quote_name
    permission, content_type = quote(Permission._meta.db_table), quote(ContentType._meta.db_table)
    user_perms = user._meta.get_field("user_permissions").remote_field.through._meta
    user_groups = user._meta.get_field("groups").remote_field.through._meta
    group_perms = Group._meta.get_field("permissions").remote_field.through._meta
    return (
        f"SELECT ct.app_label, p.codename FROM {permission} p "  # noqa: S608 - table names from the models
        f"JOIN {content_type} ct ON ct.id = p.content_type_id WHERE p.id IN ("
        f"SELECT {quote(user_perms.get_field('permission').column)} FROM {quote(user_perms.db_table)} "
        f"WHERE {quote(user_perms.get_field('user').column)} = %s "
        f"UNION SELECT gp.{quote(group_perms.get_field('permission').column)} "
        f"FROM {quote(group_perms.db_table)} gp JOIN {quote(user_groups.db_table)} ug "
        f"ON ug.{quote(user_groups.get_field('group').column)} = gp.{quote(group_perms.get_field('group').column)} "
        f"WHERE ug.{quote(user_groups.get_field('user').column)} = %s)"
    )


class RoleModelBackend(ModelBackend):
    def get_user(self, user_id):
        """The session's user, read with a prepared query: this runs on every signed-in request."""
        if type(user_id) is not int:
            return super().get_user(user_id)
        user = _user_by_pk.first(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            if user_obj.is_superuser:
                rows = Permission.objects.values_list("content_type__app_label", "codename")
            else:
                with connection.cursor() as cursor:
                    cursor.execute(_permissions_sql(), [user_obj.pk, user_obj.pk])
                    rows = cursor.fetchall()
            user_obj._perm_cache = {f"{app}.{codename}" for app, codename in rows}
        return user_obj._perm_cache
