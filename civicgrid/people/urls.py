from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("login/", views.staff_login, name="login"),
    path("logout/", views.logout_view, name="logout"),
]
