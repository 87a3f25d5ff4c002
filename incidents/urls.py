from django.urls import path

from incidents import views, views_exports, views_report

app_name = "incidents"

urlpatterns = [
    path("", views.board, name="board"),
    path("new/", views.incident_create, name="create"),
    path("report/", views_report.report_suspected_breach, name="report"),
    path("register/", views_exports.breach_register, name="register"),
    path("register/export/", views_exports.breach_register_export, name="register_export"),
    path("<int:pk>/", views.incident_detail, name="detail"),
    path("<int:pk>/edit/", views.incident_edit, name="edit"),
    path("<int:pk>/aware-at/", views.incident_aware_at, name="aware_at"),
    path("<int:pk>/phase/", views.incident_phase, name="phase"),
    path("<int:pk>/assign/", views.incident_assign, name="assign"),
    path("<int:pk>/unassign/<int:user_pk>/", views.incident_unassign, name="unassign"),
    path("<int:pk>/timeline/", views.incident_timeline, name="timeline"),
    path("<int:pk>/tasks/", views.task_add, name="task_add"),
    path("tasks/<int:pk>/done/", views.task_done, name="task_done"),
    path("<int:pk>/evidence/", views.evidence_add, name="evidence_add"),
    path("evidence/<int:pk>/download/", views.evidence_download, name="evidence_download"),
    path("obligations/<int:pk>/not-required/", views.obligation_not_required, name="not_required"),
    path("<int:pk>/assessment/", views.incident_assess, name="assess"),
    path("<int:pk>/decision/", views.incident_decide, name="decide"),
    path("<int:pk>/notices/new/", views.notice_create, name="notice"),
    path("<int:pk>/close/", views.incident_close, name="close"),
    path("<int:pk>/export/<slug:kind>/", views_exports.incident_export, name="export"),
]
