"""Token-only reply pages for customers' notice contacts (the /respond/ prefix needs no account and no MFA)."""

from django.urls import path

from controls import views_annex, views_reply

app_name = "respond"

urlpatterns = [
    path("subprocessor/<str:token>/", views_reply.subprocessor_reply, name="subprocessor"),
    path("annex/<str:token>/", views_annex.annex_reply, name="annex"),
]
