from django.urls import path

from portal.exports import views

app_name = "exports"

urlpatterns = [
    path("", views.export_list, name="list"),
    path("request/", views.export_request, name="request"),
    path("jobs/<uuid:pk>/", views.export_detail, name="detail"),
    path("jobs/<uuid:pk>/download/", views.export_download, name="download"),
    path("annexes/", views.annex_list, name="annex_list"),
    path("annexes/<str:kind>/<slug:subject>/", views.annex_detail, name="annex_detail"),
    path("annexes/<str:kind>/<slug:subject>/publish/", views.annex_publish, name="annex_publish"),
    path("versions/<int:pk>/download/", views.version_download, name="version_download"),
]
