# Web pages of micro-wishes and hard problems, mounted at /wishes/ by civicgrid/urls.py.
from django.urls import path

from . import views

app_name = "wishes"
urlpatterns: list = [
    path("", views.wall, name="wall"),
    path("new/", views.new, name="new"),
    path("mine/", views.mine, name="mine"),
    path("volunteer/", views.volunteer, name="volunteer"),
    path("behalf/", views.behalf, name="behalf"),
    path("staff/", views.staff, name="staff"),
    path("rankings/", views.rankings, name="rankings"),
    path("problems/", views.problems, name="problems"),
    path("problems/create/", views.problem_create, name="problem-create"),
    path("problems/<int:pk>/", views.problem, name="problem"),
    path("problems/<int:pk>/move/", views.problem_move, name="problem-move"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/move/", views.move, name="move"),
]
