# REST endpoints of hotspots and proactive tasks (未诉先办), mounted under /api/v1/ by civicgrid/urls.py.
from django.urls import path

from . import views

urlpatterns: list = [
    path("findings/", views.FindingsView.as_view(), name="proactive-api-findings"),
    path("tasks/", views.TasksView.as_view(), name="proactive-api-tasks"),
    path("tasks/<int:pk>/", views.TaskDetailView.as_view(), name="proactive-api-task"),
    path("rescan/", views.RescanView.as_view(), name="proactive-api-rescan"),
    path("monthly/", views.MonthlyView.as_view(), name="proactive-api-monthly"),
]
