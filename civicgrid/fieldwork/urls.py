from django.urls import path

from . import views
from .api import views as api_views

app_name = "fieldwork"
urlpatterns: list = [
    path("", views.home, name="home"),
    path("patrol/start/", views.patrol_start, name="patrol-start"),
    path("patrol/<int:patrol_id>/end/", views.patrol_end, name="patrol-end"),
    path("snap/", views.snap, name="snap"),
    path("visits/", views.visits, name="visits"),
    path("grid/<str:code>/", views.grid, name="grid"),
    path("orders/", views.orders, name="orders"),
    # The phone's background calls (route points while walking) and clients other than the pages.
    path("api/patrols/", api_views.PatrolListCreate.as_view(), name="api-patrols"),
    path("api/patrols/<int:patrol_id>/points/", api_views.RoutePoint.as_view(), name="api-patrol-points"),
    path("api/patrols/<int:patrol_id>/end/", api_views.EndPatrol.as_view(), name="api-patrol-end"),
    path("api/snap/", api_views.Snap.as_view(), name="api-snap"),
]
