from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "civicgrid.sla"
    label = "sla"
    verbose_name = _("Deadlines and supervision")

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)
