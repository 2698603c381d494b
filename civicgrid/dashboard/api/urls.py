from django.urls import path

from . import views

urlpatterns: list = [
    path("dashboard/summary/", views.SummaryView.as_view(), name="dashboard-api-summary"),
    path("dashboard/trend/", views.TrendView.as_view(), name="dashboard-api-trend"),
    path("dashboard/categories/", views.CategoriesView.as_view(), name="dashboard-api-categories"),
    path("dashboard/map/", views.MapView.as_view(), name="dashboard-api-map"),
    path("dashboard/rankings/", views.RankingsView.as_view(), name="dashboard-api-rankings"),
    path("dashboard/overdue/", views.OverdueView.as_view(), name="dashboard-api-overdue"),
    path("dashboard/escalated/", views.EscalatedView.as_view(), name="dashboard-api-escalated"),
    path("dashboard/participation/", views.ParticipationView.as_view(), name="dashboard-api-participation"),
    path("dashboard/whistles/", views.WhistlesView.as_view(), name="dashboard-api-whistles"),
]
