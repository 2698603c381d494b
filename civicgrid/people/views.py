"""Sign-in and account pages. Views parse, authorise, call a service and render."""

from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from civicgrid.core.masking import mask_phone

from . import services
from .forms import ChangePasswordForm, ResidentCodeForm, ResidentPhoneForm
from .middleware import SESSION_STARTED_KEY

RESIDENT_PHONE_KEY = "civicgrid_resident_login_phone"


def _start_session_clock(request) -> None:
    # The absolute lifetime counts from the sign-in, not from the first request after it.
    request.session[SESSION_STARTED_KEY] = int(time.time())


def _apply_errors(form, exc: ValidationError, field: str | None = None) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(field, exc)


class StaffLoginView(auth_views.LoginView):
    """Username and password. The form calls authenticate(request, ...), so django-axes counts
    failures per account and AxesMiddleware answers a locked account with people/locked_out.html."""

    template_name = "people/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        _start_session_clock(self.request)
        services.record_sign_in(form.get_user(), "password")
        return response


staff_login = StaffLoginView.as_view()


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return ""


def _render_resident(request, step: str, form, phone: str = "", status: int = 200, notice: str = "", error: str = ""):
    # htmx swaps only the form; a plain browser gets the whole page. Notices travel in the
    # context, not in django.contrib.messages, so that a swapped fragment does not leave them behind.
    template = "people/_resident_form.html" if getattr(request, "htmx", False) else "people/resident_login.html"
    context = {
        "step": step, "form": form, "masked_phone": mask_phone(phone), "next": _safe_next(request),
        "notice": notice, "error": error,
    }
    return render(request, template, context, status=status)


@sensitive_post_parameters("code")
@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def resident_login(request):
    """Two steps on one address: the phone number, then the code from the text message.

    The number waits in the session between the steps, so the second step cannot be pointed at
    another number's code."""
    if request.user.is_authenticated:
        return redirect(_safe_next(request) or "home")
    phone = request.session.get(RESIDENT_PHONE_KEY, "")
    step = request.POST.get("step") or ("code" if phone and request.GET.get("step") == "code" else "phone")

    if request.method == "GET":
        if step == "code":
            return _render_resident(request, "code", ResidentCodeForm(), phone)
        return _render_resident(request, "phone", ResidentPhoneForm())

    if step == "restart":
        request.session.pop(RESIDENT_PHONE_KEY, None)
        return _render_resident(request, "phone", ResidentPhoneForm())

    if step == "phone":
        form = ResidentPhoneForm(request.POST)
        if form.is_valid():
            try:
                otc = services.request_login_code(form.cleaned_data["phone"])
            except ValidationError as exc:
                _apply_errors(form, exc, "phone")
            else:
                request.session[RESIDENT_PHONE_KEY] = otc.phone
                return _render_resident(request, "code", ResidentCodeForm(), otc.phone)
        return _render_resident(request, "phone", form, status=400)

    if step == "resend":
        if not phone:
            return _render_resident(request, "phone", ResidentPhoneForm())
        try:
            services.request_login_code(phone)
        except ValidationError as exc:
            return _render_resident(request, "code", ResidentCodeForm(), phone, status=400, error=" ".join(exc.messages))
        notice = _("A new code was sent to %(phone)s.") % {"phone": mask_phone(phone)}
        return _render_resident(request, "code", ResidentCodeForm(), phone, notice=notice)

    # step == "code"
    if not phone:
        return _render_resident(
            request, "phone", ResidentPhoneForm(), status=400, error=_("Enter your mobile number first.")
        )
    form = ResidentCodeForm(request.POST)
    if form.is_valid():
        user = authenticate(request, phone=phone, code=form.cleaned_data["code"].strip())
        if user is not None:
            login(request, user)
            _start_session_clock(request)
            services.record_sign_in(user, "phone_code")
            target = _safe_next(request) or reverse("home")
            if getattr(request, "htmx", False):
                return HttpResponseClientRedirect(target)
            return redirect(target)
        form.add_error(
            "code",
            _("The code is wrong, has expired or was already used. Check the text message, or ask for a new code."),
        )
    return _render_resident(request, "code", form, phone, status=400)


@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        services.record_sign_out(request.user)
    logout(request)
    return redirect("home")


@sensitive_post_parameters("old_password", "new_password", "new_password_again")
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def change_password(request):
    if not request.user.has_usable_password():
        messages.info(request, _("Your account signs in with a code sent to your phone and has no password."))
        return redirect("home")
    form = ChangePasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_password(
                request.user, form.cleaned_data["old_password"], form.cleaned_data["new_password"]
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            # Keeps this session signed in; other sessions of the account end.
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your password was changed."))
            return redirect("home")
    return render(request, "people/change_password.html", {"form": form}, status=400 if form.errors else 200)
