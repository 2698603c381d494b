from django.urls import path

from . import views

app_name = "portal"
urlpatterns: list = [
    path("", views.home, name="home"),
    path("track/", views.track_start, name="track"),
    path("mine/", views.mine, name="mine"),
    path("mine/<str:tracking_number>/", views.mine_detail, name="mine-detail"),
    path("mine/<str:tracking_number>/withdraw/", views.withdraw, name="withdraw"),
    path("address-suggest/", views.address_suggest, name="address-suggest"),
    path("similar/", views.similar, name="similar"),
    path("notices/new/", views.notice_new, name="notice-new"),
    path("notices/<int:pk>/withdraw/", views.notice_withdraw, name="notice-withdraw"),
]
