from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

staff_login = auth_views.LoginView.as_view(template_name="people/login.html")


@require_POST
def logout_view(request):
    logout(request)
    return redirect("home")
