# REST endpoints of the category classifier, mounted under /api/v1/classify/ by civicgrid/urls.py.
from django.urls import path

from . import views

urlpatterns: list = [
    path("versions/", views.VersionList.as_view(), name="classify-versions"),
    path("versions/<int:pk>/activate/", views.ActivateVersion.as_view(), name="classify-activate"),
    path("versions/<int:pk>/rollback/", views.RollbackVersion.as_view(), name="classify-rollback"),
    path("predict/", views.Predict.as_view(), name="classify-predict"),
]
