from django.urls import path

from . import views

app_name = "dashboard"
urlpatterns: list = [
    path("", views.center, name="center"),
]
