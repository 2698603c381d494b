from django.urls import path

from . import views

# Mounted under /api/v1/field/ by civicgrid/urls.py.
urlpatterns = [
    path("patrols/", views.PatrolListCreate.as_view(), name="api-patrols"),
    path("patrols/<int:patrol_id>/points/", views.RoutePoint.as_view(), name="api-patrol-points"),
    path("patrols/<int:patrol_id>/end/", views.EndPatrol.as_view(), name="api-patrol-end"),
    path("snap/", views.Snap.as_view(), name="api-snap"),
]
