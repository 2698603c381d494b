from django.urls import path

from . import views

app_name = "dashboard"
urlpatterns: list = [
    path("", views.center, name="center"),
    path("wall/", views.wall, name="wall"),
    path("figures/", views.figures, name="figures"),
    path("lists/", views.lists, name="lists"),
    path("rankings/", views.rankings, name="rankings"),
    path("participation/", views.participation, name="participation"),
]
