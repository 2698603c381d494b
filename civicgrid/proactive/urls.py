# Web pages of hotspots and proactive tasks (未诉先办), mounted by civicgrid/urls.py.
from django.urls import path

from . import views

app_name = "proactive"
urlpatterns: list = [
    path("", views.page, name="page"),
    path("panel/", views.panel, name="panel"),
    path("tasks/create/", views.create_task, name="create"),
    path("rescan/", views.rescan, name="rescan"),
    path("monthly/confirm/", views.confirm_monthly, name="confirm-monthly"),
]
