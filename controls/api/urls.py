from django.urls import path
from rest_framework.routers import SimpleRouter

from controls.api import views, views_tokens

app_name = "api"

router = SimpleRouter()
router.register("controls", views.ControlViewSet, basename="control")
router.register("evidence", views.EvidenceViewSet, basename="evidence")

urlpatterns = [
    path("schema/", views.SchemaView.as_view(), name="schema"),
    path("tokens/", views_tokens.token_page, name="tokens"),
    path("tokens/new/", views_tokens.token_create, name="token_create"),
    path("tokens/revoke/", views_tokens.token_revoke, name="token_revoke"),
    *router.urls,
]
