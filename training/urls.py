from django.urls import path

from training import views, views_manage

app_name = "training"

urlpatterns = [
    path("", views.my_training, name="my_training"),
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment"),
    path("assignments/<int:pk>/pages/<int:index>/", views.page_view, name="page"),
    path("assignments/<int:pk>/pages/<int:index>/done/", views.page_done, name="page_done"),
    path("assignments/<int:pk>/complete/", views.complete_without_quiz, name="complete"),
    path("assignments/<int:pk>/quiz/", views.quiz_start, name="quiz_start"),
    path("assignments/<int:pk>/quiz/<int:attempt_pk>/", views.attempt_view, name="attempt"),
    path("assignments/<int:pk>/certificate/", views.certificate, name="certificate"),
    path("assignments/<int:pk>/exempt/", views_manage.assignment_exempt, name="exempt"),
    path("courses/", views_manage.course_list, name="course_list"),
    path("courses/new/", views_manage.course_create, name="course_create"),
    path("courses/<int:pk>/", views_manage.course_edit, name="course_edit"),
    path("courses/<int:pk>/pages/new/", views_manage.page_edit, name="page_create"),
    path("courses/<int:pk>/pages/<int:page_pk>/", views_manage.page_edit, name="page_edit"),
    path("courses/<int:pk>/questions/new/", views_manage.question_edit, name="question_create"),
    path("courses/<int:pk>/questions/<int:question_pk>/", views_manage.question_edit, name="question_edit"),
    path("courses/<int:pk>/audience/", views_manage.audience_edit, name="audience"),
    path("report/", views_manage.report, name="report"),
    path("employees/", views_manage.directory, name="directory"),
    path("employees/import/", views_manage.directory_import_view, name="directory_import"),
]
