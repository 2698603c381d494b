from django.urls import path

from . import views

# Mounted under /api/v1/field/ by civicgrid/urls.py.
urlpatterns = [
    path("patrols/", views.PatrolListCreate.as_view(), name="api-patrols"),
    path("patrols/<int:patrol_id>/points/", views.RoutePoint.as_view(), name="api-patrol-points"),
    path("patrols/<int:patrol_id>/end/", views.EndPatrol.as_view(), name="api-patrol-end"),
    path("snap/", views.Snap.as_view(), name="api-snap"),
    path("visits/", views.VisitListCreate.as_view(), name="api-visits"),
    path("patrol-log/", views.PatrolLog.as_view(), name="api-patrol-log"),
    path("coverage/", views.CoverageView.as_view(), name="api-coverage"),
    path("care/overdue/", views.CareOverdue.as_view(), name="api-care-overdue"),
    path("care/policies/", views.CarePolicies.as_view(), name="api-care-policies"),
    path("care/policies/<int:policy_id>/", views.CarePolicyDetail.as_view(), name="api-care-policy"),
    path("baolian/chain/", views.BaolianChain.as_view(), name="api-baolian-chain"),
    path("baolian/gaps/", views.BaolianGaps.as_view(), name="api-baolian-gaps"),
    path("center-figures/", views.CenterFigures.as_view(), name="api-center-figures"),
]
