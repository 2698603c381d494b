# REST endpoints of duplicate detection, mounted at /api/v1/duplicates/ by civicgrid/urls.py.
from django.urls import path

from . import views

urlpatterns: list = [
    path("suggestions/", views.SuggestionsView.as_view(), name="duplicates-suggestions"),
    path("orders/<str:number>/me-too/", views.MeTooView.as_view(), name="duplicates-me-too"),
    path("orders/<str:number>/merge/", views.MergeView.as_view(), name="duplicates-merge"),
]
