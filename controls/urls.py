from django.urls import path

from controls import views, views_annex, views_evidence, views_register

app_name = "controls"

urlpatterns = [
    path("", views.control_list, name="list"),
    path("new/", views.control_create, name="create"),
    path("coverage/", views.control_coverage, name="coverage"),
    path("bulk-owner/", views.control_bulk_owner, name="bulk_owner"),
    path("bulk-owner/form/", views.control_bulk_owner_form, name="bulk_owner_form"),
    path("export/", views_register.register_export, name="export"),
    path("import/", views_register.register_import, name="import"),
    path("annex-decisions/", views_annex.annex_decisions, name="annex_decisions"),
    path("annex-decisions/<int:pk>/justify/", views_annex.annex_decide_justify, name="annex_decide_justify"),
    path("annex-decisions/<int:pk>/plan/", views_annex.annex_decide_plan, name="annex_decide_plan"),
    path("<int:pk>/", views.control_detail, name="detail"),
    path("<int:pk>/edit/", views.control_edit, name="edit"),
    path("<int:pk>/review/", views.control_review, name="review"),
    path("<int:pk>/evidence/new/", views_evidence.evidence_add, name="evidence_add"),
    path("evidence/<int:pk>/download/", views_evidence.evidence_download, name="evidence_download"),
    path("evidence/<int:pk>/remove/", views_evidence.evidence_remove, name="evidence_remove"),
    path("evidence/<int:pk>/restore/", views_evidence.evidence_restore, name="evidence_restore"),
]
