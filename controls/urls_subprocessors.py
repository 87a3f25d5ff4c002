from django.urls import path

from controls import views_records
from controls import views_subprocessors as views

app_name = "subprocessors"

urlpatterns = [
    path("", views.subprocessor_list, name="list"),
    path("new/", views.subprocessor_create, name="create"),
    path("changes/<int:pk>/", views.change_detail, name="change_detail"),
    path("changes/<int:pk>/withdraw/", views.change_withdraw, name="change_withdraw"),
    path("changes/<int:pk>/notices/<int:notice_pk>/respond/", views.notice_respond, name="notice_respond"),
    path("changes/<int:pk>/notices/<int:notice_pk>/resolve/", views.notice_resolve, name="notice_resolve"),
    path("customers/<slug:slug>/", views.customer_subprocessors, name="customer"),
    path("customers/<slug:slug>/terms/", views.customer_terms_edit, name="customer_terms"),
    path("records/", views_records.records, name="records"),
    path("records/processor/", views_records.processor_details_edit, name="processor_edit"),
    path("records/categories/new/", views_records.category_add, name="category_add"),
    path("records/categories/<int:pk>/edit/", views_records.category_edit, name="category_edit"),
    path("records/categories/<int:pk>/remove/", views_records.category_remove, name="category_remove"),
    path("<slug:slug>/", views.subprocessor_detail, name="detail"),
    path("<slug:slug>/edit/", views.subprocessor_edit, name="edit"),
    path("<slug:slug>/assess/", views.subprocessor_assess, name="assess"),
    path("<slug:slug>/announce/", views.change_create, name="change_create"),
]
