# REST endpoints of the urgency and reply-quality checks, mounted under /api/v1/textcheck/ by civicgrid/urls.py.
from django.urls import path

from . import views

urlpatterns = [
    path("urgency/", views.UrgencyCheckView.as_view(), name="textcheck-urgency"),
    path("replies/check/", views.ReplyCheckView.as_view(), name="textcheck-reply-check"),
    path("replies/", views.HeldRepliesView.as_view(), name="textcheck-replies"),
    path("replies/<int:pk>/approve/", views.ApproveReplyView.as_view(), name="textcheck-reply-approve"),
    path("orders/<str:number>/", views.OrderChecksView.as_view(), name="textcheck-order"),
    path("orders/<str:number>/answer/", views.OrderAnswerView.as_view(), name="textcheck-order-answer"),
]
