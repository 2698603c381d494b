from django.urls import path

from . import views

# Mounted under /api/v1/deliberation/ by civicgrid/urls.py.
urlpatterns = [
    path("topics/", views.TopicList.as_view(), name="api-delib-topics"),
    path("topics/<int:topic_id>/", views.TopicDetail.as_view(), name="api-delib-topic"),
    path("topics/<int:topic_id>/move/", views.TopicMove.as_view(), name="api-delib-move"),
    path("topics/<int:topic_id>/participants/", views.Participants.as_view(), name="api-delib-participants"),
    path("topics/<int:topic_id>/posts/", views.Posts.as_view(), name="api-delib-posts"),
    path("topics/<int:topic_id>/meetings/", views.Meetings.as_view(), name="api-delib-meetings"),
    path("topics/<int:topic_id>/polls/", views.Polls.as_view(), name="api-delib-polls"),
    path("topics/<int:topic_id>/tasks/", views.Tasks.as_view(), name="api-delib-tasks"),
    path("topics/<int:topic_id>/ratings/", views.Ratings.as_view(), name="api-delib-ratings"),
    path("posts/<int:post_id>/report/", views.PostReport.as_view(), name="api-delib-report"),
    path("posts/<int:post_id>/hide/", views.PostModerate.as_view(hide=True), name="api-delib-hide"),
    path("posts/<int:post_id>/unhide/", views.PostModerate.as_view(hide=False), name="api-delib-unhide"),
    path("meetings/<int:meeting_id>/", views.MeetingDetail.as_view(), name="api-delib-meeting"),
    path("meetings/<int:meeting_id>/cancel/", views.MeetingCancel.as_view(), name="api-delib-meeting-cancel"),
    path("polls/<int:poll_id>/open/", views.PollAction.as_view(action="open"), name="api-delib-poll-open"),
    path("polls/<int:poll_id>/close/", views.PollAction.as_view(action="close"), name="api-delib-poll-close"),
    path("polls/<int:poll_id>/votes/", views.Votes.as_view(), name="api-delib-votes"),
    path("tasks/<int:task_id>/progress/", views.TaskProgress.as_view(), name="api-delib-task-progress"),
    path("reports/", views.Reports.as_view(), name="api-delib-reports"),
]
