from django.urls import path

from . import views as v

# Mounted under /api/v1/proposals/ by civicgrid/urls.py.
urlpatterns = [
    path("campaigns/", v.CampaignList.as_view(), name="api-proposal-campaigns"),
    path("campaigns/<int:pk>/", v.CampaignDetail.as_view(), name="api-proposal-campaign"),
    path("campaigns/<int:pk>/panel/", v.PanelAdd.as_view(), name="api-proposal-panel"),
    path("campaigns/<int:pk>/phase/", v.CampaignPhase.as_view(), name="api-proposal-phase"),
    path("campaigns/<int:pk>/similar/", v.Similar.as_view(), name="api-proposal-similar"),
    path("campaigns/<int:pk>/selection/", v.SelectionRunView.as_view(), name="api-proposal-selection"),
    path("campaigns/<int:pk>/selection/confirm/", v.SelectionConfirm.as_view(), name="api-proposal-confirm"),
    path("items/", v.ProposalList.as_view(), name="api-proposals"),
    path("items/<int:pk>/", v.ProposalDetail.as_view(), name="api-proposal"),
    path("items/<int:pk>/support/", v.SupportView.as_view(), name="api-proposal-support"),
    path("items/<int:pk>/screen/", v.Screen.as_view(), name="api-proposal-screen"),
    path("items/<int:pk>/merge/", v.Merge.as_view(), name="api-proposal-merge"),
    path("items/<int:pk>/scores/", v.Score.as_view(), name="api-proposal-scores"),
    path("projects/", v.ProjectList.as_view(), name="api-proposal-projects"),
    path("projects/<int:pk>/", v.ProjectDetail.as_view(), name="api-proposal-project"),
    path("projects/<int:pk>/milestones/", v.MilestoneCreate.as_view(), name="api-proposal-milestones"),
    path("projects/<int:pk>/updates/", v.UpdateCreate.as_view(), name="api-proposal-updates"),
    path("projects/<int:pk>/finish/", v.Finish.as_view(), name="api-proposal-finish"),
    path("projects/<int:pk>/ratings/", v.Rate.as_view(), name="api-proposal-ratings"),
    path("milestones/<int:pk>/progress/", v.MilestoneProgress.as_view(), name="api-proposal-milestone-progress"),
]
