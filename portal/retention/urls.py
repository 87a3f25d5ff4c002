from django.urls import path

from portal.retention import views

app_name = "retention"

urlpatterns = [
    path("", views.policy_list, name="policy_list"),
    path("policies/new/", views.policy_create, name="policy_create"),
    path("policies/defaults/", views.policies_add_defaults, name="policies_add_defaults"),
    path("policies/export/", views.policy_export, name="policy_export"),
    path("policies/<int:pk>/edit/", views.policy_edit, name="policy_edit"),
    path("policies/<int:pk>/review/", views.policy_review, name="policy_review"),
    path("runs/", views.run_preview, name="run_preview"),
    path("runs/start/", views.run_start, name="run_start"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("runs/<int:pk>/certificate/", views.run_certify, name="run_certify"),
    path("holds/", views.hold_list, name="hold_list"),
    path("holds/new/", views.hold_set, name="hold_set"),
    path("holds/<int:pk>/release/", views.hold_release, name="hold_release"),
    path("offboarding/", views.offboarding_list, name="offboarding_list"),
    path("offboarding/<int:pk>/", views.offboarding_detail, name="offboarding_detail"),
    path("offboarding/<int:pk>/steps/<int:step>/", views.offboarding_step_confirm, name="offboarding_step_confirm"),
    path("offboarding/<int:pk>/complete/", views.offboarding_finish, name="offboarding_complete"),
]
