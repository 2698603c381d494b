# Web pages of the category classifier, mounted by civicgrid/urls.py.
from django.urls import path

from . import views

app_name = "classify"
urlpatterns: list = [
    path("", views.versions, name="versions"),
    path("suggest/", views.suggest, name="suggest"),
]
