from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("inbox", views.InboxViewSet, basename="inbox")
router.register("echo-wall", views.EchoWallView, basename="echo-wall")
router.register("metrics", views.MetricsViewSet, basename="metrics")

urlpatterns = router.urls
