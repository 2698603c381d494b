from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
router.register("orders", views.OrderViewSet, basename="order")
router.register("appeals", views.AppealViewSet, basename="appeal")
router.register("whistles", views.WhistleViewSet, basename="whistle")
router.register("categories", views.CategoryViewSet, basename="category")
router.register("responsibilities", views.ResponsibilityViewSet, basename="responsibility")
urlpatterns = router.urls
