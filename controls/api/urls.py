from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import SimpleRouter

from controls.api import views, views_tokens

app_name = "api"

router = SimpleRouter()
router.register("controls", views.ControlViewSet, basename="control")
router.register("evidence", views.EvidenceViewSet, basename="evidence")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(permission_classes=[IsAuthenticated]), name="schema"),
    path("tokens/", views_tokens.token_page, name="tokens"),
    path("tokens/new/", views_tokens.token_create, name="token_create"),
    path("tokens/revoke/", views_tokens.token_revoke, name="token_revoke"),
    *router.urls,
]
