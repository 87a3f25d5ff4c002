from django.urls import path

from portal.accounts import views, views_mfa

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("mfa/enrol/", views_mfa.mfa_enrol, name="mfa_enrol"),
    path("mfa/verify/", views_mfa.mfa_verify, name="mfa_verify"),
    path("mfa/step-up/", views_mfa.mfa_step_up, name="mfa_step_up"),
]
