from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("login/", views.staff_login, name="login"),
    path("resident/", views.resident_login, name="resident_login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.change_password, name="change_password"),
]
