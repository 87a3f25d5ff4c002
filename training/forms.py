"""Forms of employee training. A bad form is shown again with everything that was typed."""

import base64
import binascii

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.accounts.roles import Role
from training.models import Course, CoursePage, Department, Question
from training.services import COURSE_FIELDS


class CourseForm(forms.ModelForm):
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)
    new_version = forms.BooleanField(
        label=_("Publish as a new version"), required=False,
        help_text=_("New certificates show the new version number; earlier completions still count."))
    require_retake = forms.BooleanField(
        label=_("Material change: everyone must take the course again"), required=False,
        help_text=_("Earlier completions stop counting; the next sweep assigns the course again to its audience."))

    class Meta:
        model = Course
        fields = list(COURSE_FIELDS)
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def clean_pass_mark_percent(self):
        value = self.cleaned_data["pass_mark_percent"]
        if not 1 <= value <= 100:
            raise forms.ValidationError(_("The pass mark is a percentage between 1 and 100."))
        return value

    def course_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in COURSE_FIELDS}


class PageForm(forms.ModelForm):
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)  # the course's, as the form was opened

    class Meta:
        model = CoursePage
        fields = ["title", "body", "position"]
        widgets = {"body": forms.Textarea(attrs={"rows": 18})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["position"].required = False
        self.fields["position"].help_text = _("Leave empty to add the page at the end.")

    def validate_unique(self):
        """The service checks the position against the course's other pages."""


class QuestionForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)  # the course's, as the form was opened
    text = forms.CharField(label=_("Question"), widget=forms.Textarea(attrs={"rows": 3}))
    kind = forms.ChoiceField(label=_("Kind"), choices=Question.Kind.choices)
    choices = forms.CharField(
        label=_("Answers"), widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One answer per line; start each right answer with a *."))
    explanation = forms.CharField(label=_("Explanation shown after answering"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))


class AudienceForm(forms.Form):
    everyone = forms.BooleanField(label=_("Everyone"), required=False)
    roles = forms.MultipleChoiceField(label=_("Roles"), required=False, choices=Role.choices,
                                      widget=forms.CheckboxSelectMultiple)
    departments = forms.ModelMultipleChoiceField(label=_("Departments"), required=False,
                                                 queryset=Department.objects.order_by("name"),
                                                 widget=forms.CheckboxSelectMultiple)


class DirectoryImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"), required=False,
                           help_text=_("Comma- or semicolon-separated; UTF-8 or Windows-1252."))
    # After a preview the file travels back with the form, so "Apply" applies exactly what was previewed.
    previewed = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self):
        data = super().clean()
        upload, previewed = data.get("file"), data.get("previewed")
        if upload is not None:
            data["content"] = upload.read()
        elif previewed:
            try:
                data["content"] = base64.b64decode(previewed, validate=True)
            except (binascii.Error, ValueError):
                raise forms.ValidationError(_("The previewed file was damaged; upload it again.")) from None
        else:
            raise forms.ValidationError(_("Choose a CSV file."))
        return data


class ExemptForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


def encode_preview(content: bytes) -> str:
    return base64.b64encode(content).decode("ascii")
