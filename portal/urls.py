from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("portal.core.urls")),
    path("account/", include("portal.accounts.urls")),
    path("audit/", include("portal.audit.urls")),
    path("notifications/", include("portal.notifications.urls")),
    path("controls/", include("controls.urls")),
    path("customers/", include("controls.urls_customers")),
    path("incidents/", include("incidents.urls")),
    path("subprocessors/", include("controls.urls_subprocessors")),
    # Public: a customer's notice contact answers a sub-processor change through the secret link in the notice.
    path("respond/", include("controls.urls_respond")),
    path("exports/", include("portal.exports.urls")),
    path("training/", include("training.urls")),
    path("retention/", include("portal.retention.urls")),
    path("api/incidents/", include("incidents.api.urls")),
    path("api/", include("controls.api.urls")),
    # Public: anyone holding a printed annex may check it, without an account.
    path("verify/", include("portal.exports.verify_urls")),
]
if settings.ANNEX_ADMIN_ENABLED:  # off by default: see portal/core/admin_site.py
    urlpatterns.append(path("admin/", admin.site.urls))

# Styled error pages that say why; JSON under /api/ (portal/core/errors.py).
handler400 = "portal.core.errors.bad_request"
handler403 = "portal.core.errors.permission_denied"
handler404 = "portal.core.errors.page_not_found"
handler500 = "portal.core.errors.server_error"
