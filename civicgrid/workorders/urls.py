from django.urls import path

from . import order_views, track_views, views, workbench_views

app_name = "workorders"
urlpatterns: list = [
    path("", workbench_views.workbench, name="workbench"),
    path("list/", workbench_views.order_list, name="list"),
    path("export/", workbench_views.export, name="export"),
    path("bulk/dispatch/", workbench_views.bulk_dispatch, name="bulk-dispatch"),
    path("report/", views.report, name="report"),
    path("patrol/", views.patrol, name="patrol"),
    path("hotline/", views.hotline, name="hotline"),
    path("track/<str:tracking_number>/", track_views.track, name="track"),
    path("received/<str:tracking_number>/", views.receipt, name="receipt"),
    path("<str:number>/", order_views.order_detail, name="detail"),
    path("<str:number>/move/", order_views.order_move, name="move"),
    path("<str:number>/callback/", order_views.order_callback, name="callback"),
    path("<str:number>/whistle/", order_views.order_whistle, name="whistle"),
    path("<str:number>/whistles/<int:whistle_id>/report/", order_views.whistle_report, name="whistle-report"),
]
