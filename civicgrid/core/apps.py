from axes import apps as _axes_apps
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "civicgrid.core"
    label = "core"
    verbose_name = _("Platform")


class AxesConfig(_axes_apps.AppConfig):
    """django-axes (sign-in lockouts) under a Chinese name in the admin; its own catalogue has no
    Chinese, so its words are translated in ours (core/third_party_messages.py)."""

    verbose_name = _("Sign-in lockouts")
