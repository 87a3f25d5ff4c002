from django.urls import path

from incidents.api import views

app_name = "incidents_api"

urlpatterns = [
    path("", views.IncidentIntakeView.as_view(), name="intake"),
]
