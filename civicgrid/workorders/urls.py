from django.urls import path

from . import views

app_name = "workorders"
urlpatterns: list = [
    path("report/", views.report, name="report"),
    path("patrol/", views.patrol, name="patrol"),
    path("hotline/", views.hotline, name="hotline"),
]
