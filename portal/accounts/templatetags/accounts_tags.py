from django import template

from portal.accounts.roles import role_label as _role_label

register = template.Library()


@register.filter
def role_label(name: str) -> str:
    """{{ group.name|role_label }}: a role in the reader's language; an old group's name as it is."""
    return _role_label(name)
