from django.urls import path

from portal.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("<int:pk>/read/", views.notification_read, name="read"),
    path("read-all/", views.notification_read_all, name="read_all"),
    path("preferences/", views.preferences, name="preferences"),
    path("preferences/calendar/issue/", views.calendar_issue, name="calendar_issue"),
    path("preferences/calendar/revoke/", views.calendar_revoke, name="calendar_revoke"),
    # Reached without a session (calendar apps); the path prefix is MFA-exempt for that reason.
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("failed/", views.failed_list, name="failed_list"),
    path("failed/<int:pk>/retry/", views.failed_retry, name="failed_retry"),
]
