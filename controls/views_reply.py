"""The reply page behind the link in a sub-processor change notice: no account, the secret link is the credential."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from controls import selectors_subprocessors as sp_selectors
from controls import services_subprocessors as sp_services
from controls.forms_subprocessors import ReplyForm
from controls.views import add_service_errors


@require_http_methods(["GET", "POST"])
def subprocessor_reply(request, token: str):
    notice = sp_selectors.notice_by_token(token)
    if notice is None:
        raise Http404(_("Unknown reply link."))
    form = ReplyForm(request.POST or None, notice=notice)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                sp_services.notice_respond_by_link(token=token, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return redirect("respond:subprocessor", token=token)
        status = 400
    return render(request, "controls/subprocessors/reply.html", {
        "notice": notice, "change": notice.change, "subprocessor": notice.change.subprocessor, "form": form,
        "today": timezone.localdate(),
    }, status=status)
