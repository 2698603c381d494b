from django.urls import path

from . import views

app_name = "proposals"
urlpatterns = [
    path("", views.index, name="index"),
    path("mine/", views.mine, name="mine"),
    path("staff/", views.staff_campaigns, name="staff"),
    path("new/", views.new_campaign, name="new-campaign"),
    path("c/<int:campaign_id>/", views.campaign, name="campaign"),
    path("c/<int:campaign_id>/submit/", views.submit, name="submit"),
    path("c/<int:campaign_id>/similar/", views.similar, name="similar"),
    path("c/<int:campaign_id>/manage/", views.manage, name="manage"),
    path("c/<int:campaign_id>/edit/", views.edit_campaign, name="edit-campaign"),
    path("c/<int:campaign_id>/phase/", views.change_phase, name="phase"),
    path("c/<int:campaign_id>/panel/", views.add_panel_member, name="panel-add"),
    path("c/<int:campaign_id>/panel/<int:member_id>/remove/", views.remove_panel_member, name="panel-remove"),
    path("c/<int:campaign_id>/selection/", views.run_selection, name="run-selection"),
    path("c/<int:campaign_id>/selection/confirm/", views.confirm_selection, name="confirm-selection"),
    path("c/<int:campaign_id>/score/", views.score, name="score"),
    path("p/<int:proposal_id>/", views.proposal, name="proposal"),
    path("p/<int:proposal_id>/support/", views.support, name="support"),
    path("p/<int:proposal_id>/screen/", views.screen, name="screen"),
    path("p/<int:proposal_id>/merge/", views.merge, name="merge"),
    path("projects/<int:project_id>/", views.project, name="project"),
    path("projects/<int:project_id>/rate/", views.rate, name="rate"),
    path("projects/<int:project_id>/milestones/", views.add_milestone, name="add-milestone"),
    path("projects/<int:project_id>/updates/", views.post_update, name="post-update"),
    path("projects/<int:project_id>/finish/", views.finish, name="finish"),
    path("milestones/<int:milestone_id>/progress/", views.milestone_progress, name="milestone-progress"),
]
