from django.urls import path

from . import views

app_name = "fieldwork"
urlpatterns: list = [
    path("", views.home, name="home"),
]
