"""The pages for 400, 403, 404 and 500: styled like the rest of Annex, saying why; JSON under /api/.

A 403 shows the message the refusing check gave ("You may change only the controls you own."); a 404 says no
more than that the page is not there for this visitor, because saying more would tell an outsider that the
record exists. The 500 page renders without the database (no navigation): the failure may be the database.
"""

import logging

from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import render
from django.template.loader import get_template
from django.utils.translation import gettext

logger = logging.getLogger(__name__)


def _wants_json(request) -> bool:
    return request.path.startswith("/api/") and "text/html" not in request.headers.get("Accept", "")


def _reason(exception) -> str:
    message = exception.args[0] if exception is not None and exception.args else ""
    return message if isinstance(message, str) else ""


def bad_request(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"detail": gettext("The request could not be understood.")}, status=400)
    return render(request, "errors/400.html", status=400)


def permission_denied(request, exception=None):
    reason = _reason(exception) if isinstance(exception, PermissionDenied) else ""
    if _wants_json(request):
        return JsonResponse({"detail": reason or gettext("You may not do this.")}, status=403)
    return render(request, "errors/403.html", {"reason": reason}, status=403)


def page_not_found(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"detail": gettext("Not found.")}, status=404)
    return render(request, "errors/404.html", status=404)


def server_error(request):
    if _wants_json(request):
        return JsonResponse({"detail": gettext("Annex could not answer this request; the error was logged.")},
                            status=500)
    request_id = getattr(request, "request_id", "")
    from django.http import HttpResponseServerError

    return HttpResponseServerError(get_template("errors/500.html").render({"request_id": request_id}))
