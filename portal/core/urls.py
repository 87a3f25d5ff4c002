from django.urls import path

from portal.core import views

app_name = "portal"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("about/", views.about, name="about"),
    path("trends/<str:name>.svg", views.trend_chart, name="trend_chart"),
]
