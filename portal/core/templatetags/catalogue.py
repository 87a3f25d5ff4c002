"""{{ value|catalogue }}: a text Annex stored in English (a built-in template's title, a recipient's label), in
the reader's language when the catalogue has it; a text someone wrote shows as written."""

from django import template
from django.utils.translation import gettext

register = template.Library()


@register.filter
def catalogue(value):
    return gettext(str(value)) if value else value
