"""cached_reverse gives exactly what Django's reverse gives, under any script prefix or URLconf; templates keep
Django's own {% url %}."""

import pytest
from django.template import engines
from django.template.defaulttags import URLNode
from django.test import override_settings
from django.urls import NoReverseMatch, clear_script_prefix, path, reverse, set_script_prefix, set_urlconf

from portal.core.links import _id_template, _reverse, cached_reverse, cached_reverser


def _view(request):  # pragma: no cover - only reversed
    raise AssertionError


urlpatterns = [path("other/<int:pk>/", _view, name="detail")]


@pytest.fixture(autouse=True)
def _fresh():
    _reverse.cache_clear()
    _id_template.cache_clear()
    yield
    clear_script_prefix()


def test_cached_reverse_matches_reverse_for_names_args_and_kwargs():
    for name, args, kwargs in [("portal:dashboard", (), {}), ("controls:detail", (5,), {}),
                               ("controls:detail", (), {"pk": 7}), ("controls:detail", ("9",), {})]:
        assert cached_reverse(name, args=args, kwargs=kwargs) == reverse(name, args=args, kwargs=kwargs)
    assert _reverse.cache_info().currsize == 3  # the string argument is not kept


def test_only_integer_arguments_are_memoised_so_no_token_outlives_its_request():
    class Pk:
        def __str__(self):
            return "11"

    assert cached_reverse("controls:detail", args=[Pk()]) == "/controls/11/"
    token = "s3cret-invitation-token"
    expected = reverse("accounts:invitation_accept", args=[token])
    assert cached_reverse("accounts:invitation_accept", args=[token]) == expected
    assert cached_reverse("accounts:invitation_accept", kwargs={"token": token}) == expected
    assert _reverse.cache_info().currsize == 0
    cached_reverse("controls:detail", args=[11])
    assert _reverse.cache_info().currsize == 1


def test_a_missing_name_or_bad_argument_raises_no_reverse_match_every_time():
    for _ in range(2):
        with pytest.raises(NoReverseMatch):
            cached_reverse("controls:nope")
        with pytest.raises(NoReverseMatch):
            cached_reverse("controls:detail", args=["not-a-number"])


def test_the_script_prefix_is_part_of_the_key():
    assert cached_reverse("controls:detail", args=[3]) == "/controls/3/"
    set_script_prefix("/annex/")
    assert cached_reverse("controls:detail", args=[3]) == "/annex/controls/3/"
    clear_script_prefix()
    assert cached_reverse("controls:detail", args=[3]) == "/controls/3/"


def test_another_urlconf_is_not_answered_from_the_memo():
    assert cached_reverse("controls:detail", args=[3]) == "/controls/3/"
    with override_settings(ROOT_URLCONF=__name__):
        assert cached_reverse("detail", args=[3]) == "/other/3/"
        with pytest.raises(NoReverseMatch):
            cached_reverse("controls:detail", args=[3])
    assert cached_reverse("controls:detail", args=[3]) == "/controls/3/"


def test_a_per_request_urlconf_is_part_of_the_key():
    assert cached_reverse("controls:detail", args=[3]) == "/controls/3/"
    set_urlconf(__name__)  # as a middleware setting request.urlconf does, without a settings change
    try:
        assert cached_reverse("detail", args=[3]) == "/other/3/"
        with pytest.raises(NoReverseMatch):
            cached_reverse("controls:detail", args=[3])
    finally:
        set_urlconf(None)
    assert cached_reverse("controls:detail", args=[3]) == "/controls/3/"


def test_the_current_app_is_part_of_the_key(monkeypatch):
    seen = []

    def fake_reverse(view_name, args=None, kwargs=None, current_app=None):
        seen.append(current_app)
        return f"/{current_app}/{args[0]}/"

    monkeypatch.setattr("portal.core.links.reverse", fake_reverse)
    assert cached_reverse("x:detail", args=[1], current_app="a") == "/a/1/"
    assert cached_reverse("x:detail", args=[1], current_app="b") == "/b/1/"
    assert cached_reverse("x:detail", args=[1], current_app="a") == "/a/1/"
    assert seen == ["a", "b"]


def test_templates_reverse_with_djangos_own_url_tag():
    template = engines["django"].from_string("{% url 'controls:detail' 4 %}")
    assert [type(node) for node in template.template.nodelist] == [URLNode]
    assert template.render({}) == "/controls/4/"


# Every view whose links are written by cached_reverser (the control API's rows, the reminder sweeps).
REVERSER_VIEWS = ["controls:detail", "incidents:detail", "training:exempt"]


@pytest.mark.parametrize("name", REVERSER_VIEWS)
@pytest.mark.parametrize("prefix", ["/", "/annex/"])
def test_cached_reverser_writes_what_reverse_writes_for_any_id(name, prefix):
    set_script_prefix(prefix)
    link = cached_reverser(name)
    for pk in (1, 7, 12345, 2**62):
        assert link(pk) == reverse(name, args=[pk])


def test_every_view_given_to_cached_reverser_is_checked_above():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    used = {name for file in root.glob("[!.]*/**/*.py") if "tests" not in file.parts
            for name in re.findall(r'cached_reverser\("([^"]+)"\)', file.read_text())}
    assert used and used <= set(REVERSER_VIEWS), used - set(REVERSER_VIEWS)
