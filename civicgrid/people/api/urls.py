from django.urls import path
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
router.register("units", views.UnitViewSet, basename="unit")
router.register("users", views.UserViewSet, basename="user")
router.register("baolian", views.BaolianViewSet, basename="baolian")
urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    path("me/token/", views.MyTokenView.as_view(), name="me-token"),
    path("grids/<str:code>/profile/", views.GridProfileView.as_view(), name="grid-profile"),
    *router.urls,
]
