# REST endpoints of micro-wishes and hard problems, mounted at /api/v1/wishes/ by civicgrid/urls.py.
from django.urls import path

from . import views

urlpatterns: list = [
    path("", views.WishList.as_view(), name="wishes-api-list"),
    path("rankings/", views.Rankings.as_view(), name="wishes-api-rankings"),
    path("figures/", views.Figures.as_view(), name="wishes-api-figures"),
    path("problems/", views.ProblemList.as_view(), name="wishes-api-problems"),
    path("problems/<int:pk>/", views.ProblemDetail.as_view(), name="wishes-api-problem"),
    path("problems/<int:pk>/moves/", views.ProblemMoves.as_view(), name="wishes-api-problem-moves"),
    path("<int:pk>/", views.WishDetail.as_view(), name="wishes-api-detail"),
    path("<int:pk>/moves/", views.WishMoves.as_view(), name="wishes-api-moves"),
]
