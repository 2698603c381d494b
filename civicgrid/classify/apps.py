from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClassifyConfig(AppConfig):
    name = "civicgrid.classify"
    verbose_name = _("Category classifier")
