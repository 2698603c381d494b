# Web pages of duplicate detection, mounted by civicgrid/urls.py at /intelligence/duplicates/.
from django.urls import path

from . import views

app_name = "duplicates"
urlpatterns: list = [
    path("intake/", views.intake_panel, name="intake"),
    path("intake/merge/<str:number>/", views.intake_merge, name="intake-merge"),
    path("orders/<str:number>/", views.order_panel, name="order"),
    path("orders/<str:number>/merge/", views.order_merge, name="order-merge"),
    path("me-too/<str:number>/", views.me_too, name="me-too"),
    path("acceptance/", views.acceptance, name="acceptance"),
]
