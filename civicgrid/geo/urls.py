from django.urls import path

from . import views

app_name = "geo"
urlpatterns = [
    path("grids/<str:code>/", views.grid_profile, name="grid-profile"),
]
