from django.urls import path

from . import views

app_name = "deliberation"

urlpatterns = [
    path("", views.topic_list, name="list"),
    path("new/", views.topic_new, name="new"),
    path("moderation/", views.moderation, name="moderation"),
    path("<int:topic_id>/", views.topic_detail, name="detail"),
    path("<int:topic_id>/manage/", views.manage, name="manage"),
    path("<int:topic_id>/post/", views.post_new, name="post"),
    path("<int:topic_id>/rate/", views.rate, name="rate"),
    path("<int:topic_id>/move/", views.move, name="move"),
    path("<int:topic_id>/participants/", views.participant_new, name="participant"),
    path("<int:topic_id>/meetings/", views.meeting_new, name="meeting"),
    path("<int:topic_id>/polls/", views.poll_new, name="poll"),
    path("<int:topic_id>/tasks/", views.task_new, name="task"),
    path("posts/<int:post_id>/report/", views.report, name="report"),
    path("posts/<int:post_id>/moderate/", views.moderate, name="moderate"),
    path("meetings/<int:meeting_id>/", views.meeting_record, name="meeting-record"),
    path("polls/<int:poll_id>/vote/", views.vote, name="vote"),
    path("polls/<int:poll_id>/<str:action>/", views.poll_action, name="poll-action"),
    path("tasks/<int:task_id>/progress/", views.task_progress, name="task-progress"),
]
