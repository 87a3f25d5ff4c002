"""No user-facing text in the Python of any app is left outside a gettext call."""

import pytest

from tests.i18n.python_text import application_modules, findings_in, untranslated_python_text


def test_every_app_is_checked():
    names = {str(p) for p in application_modules()}
    for app in ("controls", "incidents", "training", "portal/retention", "portal/core", "portal/accounts",
                "portal/notifications", "portal/exports", "portal/audit"):
        assert any(f"/{app}/" in name for name in names), app


def test_no_application_module_shows_untranslated_text():
    assert [str(f) for f in untranslated_python_text()] == []


@pytest.mark.parametrize(("source", "texts"), [
    ('messages.success(request, "Saved.")', ["Saved."]),
    ('messages.success(request, _("Saved."))', []),
    ('forms.CharField(label="Your name")', ["Your name"]),
    ('models.CharField("contact for notices", max_length=9)', ["contact for notices"]),
    ('raise ValidationError(f"{n} is not allowed.")', ['f\'{n} is not allowed.\'']),
    ('raise PermissionDenied(_("%(kind)s is not for you.") % {"kind": k})', []),
    ('raise ValidationError({"sort": f"Use one of: {values}."})', ["f'Use one of: {values}.'"]),
    ('raise ValidationError({"sort": gettext("Use one of: %(v)s.") % {"v": values}})', []),
    ('class Status(models.TextChoices):\n    OPEN = "open", "Open"\n    DONE = "done", _("Done")', ["Open"]),
    ('class P:\n    message = "This token may not log incidents."', ["This token may not log incidents."]),
    ('register(NavItem("Exports", "exports:list"))', ["Exports"]),
    ('rule = ReminderRule(name="controls.review_due", description="A review is due.")', ["A review is due."]),
    ('logger.warning("could not send %s", x)', []),
    ('forms.CharField(widget=forms.TextInput(attrs={"type": "search"}), label=_("Search"))', []),
])
def test_the_check_finds_untranslated_text_and_only_that(source, texts):
    assert [f.text for f in findings_in(source)] == texts
