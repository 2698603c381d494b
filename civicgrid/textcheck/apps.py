from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TextcheckConfig(AppConfig):
    name = "civicgrid.textcheck"
    verbose_name = _("Urgency and reply checks")
