from django.urls import path

from portal.accounts import (
    views,
    views_invitations,
    views_language,
    views_lockouts,
    views_mfa,
    views_passwords,
    views_users,
)

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("mfa/enrol/", views_mfa.mfa_enrol, name="mfa_enrol"),
    path("mfa/verify/", views_mfa.mfa_verify, name="mfa_verify"),
    path("mfa/step-up/", views_mfa.mfa_step_up, name="mfa_step_up"),
    path("language/", views_language.language_switch, name="language"),
    path("preferences/", views_language.preferences, name="preferences"),
    path("security/", views_mfa.security, name="security"),
    path("security/backup-codes/", views_mfa.backup_codes_regenerate, name="backup_codes_regenerate"),
    path("security/devices/<int:pk>/remove/", views_mfa.device_remove, name="device_remove"),
    path("invitation/<str:token>/", views_invitations.invitation_accept, name="invitation_accept"),
    path("invitations/", views_invitations.invitation_list, name="invitation_list"),
    path("invitations/new/", views_invitations.invitation_create, name="invitation_create"),
    path("invitations/<int:pk>/revoke/", views_invitations.invitation_revoke, name="invitation_revoke"),
    path("users/", views_users.user_list, name="user_list"),
    path("users/<int:pk>/", views_users.user_detail, name="user_detail"),
    path("users/<int:pk>/roles/", views_users.user_roles, name="user_roles"),
    path("users/<int:pk>/deactivate/", views_users.user_deactivate, name="user_deactivate"),
    path("users/<int:pk>/reactivate/", views_users.user_reactivate, name="user_reactivate"),
    path("users/<int:pk>/reset-mfa/", views_users.user_reset_mfa, name="user_reset_mfa"),
    path("password/", views_passwords.password_change, name="password_change"),
    path("password/reset/", views_passwords.password_reset_request, name="password_reset"),
    path("password/reset/<str:token>/", views_passwords.password_reset_confirm, name="password_reset_confirm"),
    path("users/<int:pk>/send-password-reset/", views_passwords.user_send_password_reset,
         name="user_send_password_reset"),
    path("lockouts/", views_lockouts.lockout_list, name="lockout_list"),
    path("lockouts/<int:pk>/lift/", views_lockouts.lockout_lift, name="lockout_lift"),
]
