from django.urls import path

from controls import views

app_name = "controls"

urlpatterns = [
    path("", views.control_list, name="list"),
    path("new/", views.control_create, name="create"),
    path("coverage/", views.control_coverage, name="coverage"),
    path("bulk-owner/", views.control_bulk_owner, name="bulk_owner"),
    path("<int:pk>/", views.control_detail, name="detail"),
    path("<int:pk>/edit/", views.control_edit, name="edit"),
    path("<int:pk>/review/", views.control_review, name="review"),
]
