# REST endpoints of the monthly analysis report, mounted under /api/v1/reports/ by civicgrid/urls.py.
from django.urls import path

from . import views

urlpatterns: list = [
    path("", views.ReportListView.as_view(), name="reports-api-list"),
    path("<int:pk>/", views.ReportDetailView.as_view(), name="reports-api-detail"),
    path("<int:pk>/<str:fmt>/", views.ReportDownloadView.as_view(), name="reports-api-download"),
]
