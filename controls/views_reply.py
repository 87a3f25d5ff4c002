"""The reply pages behind the links in notices to customers (a sub-processor change, an annex version): no account,
the secret link is the credential."""

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


def reply_by_link(request, token: str, *, notice, form_class, respond, done: str, template: str, context: dict):
    """A reply page behind a notice's secret link (the link is the credential): the form, handed to `respond`
    with the token; on success back to the page (`done`, a URL name), which then shows the recorded answer."""
    form = form_class(request.POST or None, notice=notice)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                respond(token=token, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return redirect(done, token=token)
        status = 400
    return render(request, template, {"notice": notice, "form": form, "today": timezone.localdate(), **context},
                  status=status)


@require_http_methods(["GET", "POST"])
def subprocessor_reply(request, token: str):
    notice = sp_selectors.notice_by_token(token)
    if notice is None:
        raise Http404(_("Unknown reply link."))
    return reply_by_link(request, token, notice=notice, form_class=ReplyForm,
                         respond=sp_services.notice_respond_by_link, done="respond:subprocessor",
                         template="controls/subprocessors/reply.html",
                         context={"change": notice.change, "subprocessor": notice.change.subprocessor})
