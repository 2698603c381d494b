from django.urls import path

from . import views

app_name = "geo"
urlpatterns = [
    path("", views.area_index, name="area-index"),
    path("grids/<str:code>/", views.grid_profile, name="grid-profile"),
    path("<str:code>/outlines.json", views.area_outlines, name="area-outlines"),
    path("<str:code>/", views.area_detail, name="area-detail"),
]
