from django.urls import path

from . import views

app_name = "fieldwork"
urlpatterns: list = [
    path("", views.home, name="home"),
    path("patrol/start/", views.patrol_start, name="patrol-start"),
    path("patrol/<int:patrol_id>/end/", views.patrol_end, name="patrol-end"),
    path("snap/", views.snap, name="snap"),
    path("visits/", views.visits, name="visits"),
    path("grid/<str:code>/", views.grid, name="grid"),
    path("orders/", views.orders, name="orders"),
    path("care/", views.care, name="care"),
    path("care/rules/", views.care_rules, name="care-rules"),
    path("care/rules/<int:policy_id>/", views.care_rule_edit, name="care-rule-edit"),
    path("patrols/", views.patrols, name="patrols"),
    path("coverage/", views.coverage, name="coverage"),
    path("baolian/", views.baolian, name="baolian"),
]
