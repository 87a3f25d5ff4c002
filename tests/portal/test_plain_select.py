import pytest
from django import forms
from django.conf import settings
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy


def test_forms_render_through_djangos_own_renderer_so_a_widget_template_override_is_honoured():
    assert type(get_default_renderer()) is DjangoTemplates
    assert not getattr(settings, "FORM_RENDERER", "django.forms.renderers.DjangoTemplates").startswith("portal")


def test_plain_choices_render_like_a_list_of_pairs():
    from portal.core.widgets import PlainChoices

    pairs = [("", "Any"), (1, "Ann <a>"), (2, "Bob")]
    plain, listed = forms.Select(), forms.Select()
    plain.choices, listed.choices = PlainChoices(pairs), pairs
    for value in ("", "2", None):
        assert plain.render("owner", value) == listed.render("owner", value)
    assert len(plain.choices) == 3 and 'selected>Bob' in plain.render("owner", "2")


@pytest.mark.parametrize("value", ["", "2", 2, None, "nope", ["2"], "3"])
def test_a_plain_select_renders_what_djangos_select_template_renders(value):
    from portal.core.widgets import PlainChoices, PlainSelect

    pairs = [("", "Any"), (1, "Ann <a> & 'co'"), (2, mark_safe("<i>Bob</i>")), (3, gettext_lazy("Lazy")),
             (None, "None as empty"), (3, "Duplicate value, never selected twice")]
    attrs = {"id": "id_owner", "class": "wide", "data-x": 'a"b', "required": True, "disabled": False}
    plain, django_select = PlainSelect(attrs={"title": "Owner"}), forms.Select(attrs={"title": "Owner"})
    plain.choices, django_select.choices = PlainChoices(pairs), pairs
    expected = django_select.render("owner", value, attrs=attrs, renderer=DjangoTemplates())
    assert plain.render("owner", value, attrs=attrs) == expected
    assert plain.render("owner", value, attrs=attrs, renderer=get_default_renderer()) == expected


def test_a_plain_select_of_other_choices_takes_djangos_path():
    from portal.core.widgets import PlainChoices, PlainSelect

    grouped = [("Warm", [("r", "Red")]), ("b", "Blue")]
    for choices in (grouped, PlainChoices(grouped), [("a", "A")]):
        plain, django_select = PlainSelect(), forms.Select()
        plain.choices = django_select.choices = choices
        assert plain.render("c", "r") == django_select.render("c", "r")
