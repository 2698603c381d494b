# Web pages of the monthly analysis report, mounted by civicgrid/urls.py at /reports/.
from django.urls import path

from . import views

app_name = "reports"
urlpatterns: list = [
    path("", views.index, name="index"),
    path("<int:pk>/<str:fmt>/", views.download, name="download"),
]
