# Web pages of the urgency and reply-quality checks, mounted at /intelligence/checks/ by civicgrid/urls.py.
from django.urls import path

from . import views

app_name = "textcheck"
urlpatterns = [
    path("replies/", views.review_list, name="review"),
    path("urgency/", views.urgency_preview, name="urgency-preview"),
    path("replies/<int:pk>/approve/", views.approve, name="approve"),
    path("orders/<str:number>/answer/", views.rewrite, name="rewrite"),
    path("orders/<str:number>/answer/check/", views.check_answer, name="check-answer"),
]
