from django.urls import path

from controls import views_annex
from controls import views_customers as views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("<slug:slug>/", views.customer_detail, name="detail"),
    path("<slug:slug>/edit/", views.customer_edit, name="edit"),
    path("<slug:slug>/overrides/", views.customer_override_set, name="override_set"),
    path("<slug:slug>/overrides/<int:pk>/remove/", views.customer_override_remove, name="override_remove"),
    path("<slug:slug>/offboarding/", views.customer_offboarding_start, name="offboarding_start"),
    path("<slug:slug>/annex-terms/", views_annex.customer_annex_terms, name="annex_terms"),
    path("<slug:slug>/annex-notices/<int:pk>/", views_annex.annex_notice_answer, name="annex_notice"),
]
