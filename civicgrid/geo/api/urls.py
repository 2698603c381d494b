from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
router.register("areas", views.AreaViewSet, basename="area")
router.register("buildings", views.BuildingViewSet, basename="building")
router.register("households", views.HouseholdViewSet, basename="household")
urlpatterns = router.urls
