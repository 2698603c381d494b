from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read/", views.inbox_read, name="inbox-read"),
    path("rate/<str:number>/", views.rate, name="rate"),
    path("echo-opt-out/<str:number>/", views.echo_opt_out, name="echo-opt-out"),
]
