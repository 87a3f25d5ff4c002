"""Annex's URLs plus one view that fails, to see the 500 page."""

from django.urls import path

from portal.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401


def _fails(request):
    raise RuntimeError("a bug")


urlpatterns = [*urlpatterns, path("fails/", _fails), path("api/fails/", _fails)]
