"""The public verification page: reachable without signing in (the /verify/ prefix is MFA-exempt)."""

from django.urls import path

from portal.exports import views

app_name = "verify"

urlpatterns = [
    path("<str:sha256>/", views.verify, name="document"),
]
