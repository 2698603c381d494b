"""The public echo wall at /echo/ (included from civicgrid.urls)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.echo_wall, name="echo-wall"),
]
