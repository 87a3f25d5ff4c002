from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("portal.core.urls")),
    path("account/", include("portal.accounts.urls")),
    path("audit/", include("portal.audit.urls")),
    path("admin/", admin.site.urls),
]
