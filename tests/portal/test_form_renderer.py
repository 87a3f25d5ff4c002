import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from portal.core.renderers import FastWidgetRenderer


class Everything(forms.Form):
    name = forms.CharField(max_length=20, help_text="Your name")
    email = forms.EmailField(required=False)
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True))
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)
    count = forms.IntegerField(min_value=0)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    site = forms.URLField(required=False, assume_scheme="https")
    agree = forms.BooleanField(required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    colour = forms.ChoiceField(choices=[("", "Any"), ("r", "Red <b>&"), ("g", "Green"), ("s", mark_safe("<i>S</i>")),
                                        ("l", gettext_lazy("Lazy 'label'"))], required=False)
    grouped = forms.ChoiceField(choices=[("Warm", [("r", "Red"), ("o", "Orange")]), ("Cold", [("b", "Blue")])])
    many = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B"), ("c", "C")], required=False)
    kind = forms.ChoiceField(choices=[("x", "X"), ("y", "Y")], widget=forms.RadioSelect)


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"name": 'O"Brien <script>', "email": "x@y.z", "secret": "s3&cret", "hidden": "h", "count": "3",
         "day": "2026-11-27", "site": "https://e.x/?a=1&b=2", "agree": "on", "notes": "line 1\n<b>2</b>",
         "colour": "r", "grouped": "o", "many": ["a", "c"], "kind": "y"},
        {"count": "-1", "colour": "nope"},
    ],
)
def test_the_fast_renderer_produces_exactly_what_djangos_templates_produce(data):
    fast = Everything(data=data, renderer=FastWidgetRenderer())
    slow = Everything(data=data, renderer=DjangoTemplates())
    for name in Everything.base_fields:
        assert str(fast[name]) == str(slow[name]), name


def test_plain_choices_render_like_a_list_of_pairs():
    from portal.core.renderers import PlainChoices

    pairs = [("", "Any"), (1, "Ann <a>"), (2, "Bob")]
    plain, listed = forms.Select(), forms.Select()
    plain.choices, listed.choices = PlainChoices(pairs), pairs
    for value in ("", "2", None):
        assert plain.render("owner", value) == listed.render("owner", value)
    assert len(plain.choices) == 3 and 'selected>Bob' in plain.render("owner", "2")


@pytest.mark.parametrize("value", ["", "2", 2, None, "nope", ["2"], "3"])
def test_a_plain_select_renders_what_djangos_select_template_renders(value):
    from portal.core.renderers import PlainChoices, PlainSelect

    pairs = [("", "Any"), (1, "Ann <a> & 'co'"), (2, mark_safe("<i>Bob</i>")), (3, gettext_lazy("Lazy")),
             (None, "None as empty"), (3, "Duplicate value, never selected twice")]
    attrs = {"id": "id_owner", "class": "wide", "data-x": 'a"b', "required": True, "disabled": False}
    plain, django_select = PlainSelect(attrs={"title": "Owner"}), forms.Select(attrs={"title": "Owner"})
    plain.choices, django_select.choices = PlainChoices(pairs), pairs
    expected = django_select.render("owner", value, attrs=attrs, renderer=DjangoTemplates())
    assert plain.render("owner", value, attrs=attrs) == expected
    assert plain.render("owner", value, attrs=attrs, renderer=FastWidgetRenderer()) == expected


def test_a_plain_select_of_other_choices_takes_djangos_path():
    from portal.core.renderers import PlainChoices, PlainSelect

    grouped = [("Warm", [("r", "Red")]), ("b", "Blue")]
    for choices in (grouped, PlainChoices(grouped), [("a", "A")]):
        plain, django_select = PlainSelect(), forms.Select()
        plain.choices = django_select.choices = choices
        assert plain.render("c", "r") == django_select.render("c", "r")
