from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from civicgrid.core import views as core_views
from civicgrid.core.api import errors as api_errors

admin.site.site_header = _("civicgrid administration")
admin.site.site_title = _("civicgrid")
admin.site.index_title = _("District administration")

api_v1 = [
    path("", include("civicgrid.geo.api.urls")),
    path("", include("civicgrid.people.api.urls")),
    path("", include("civicgrid.workorders.api.urls")),
    path("", include("civicgrid.notifications.api.urls")),
    path("", include("civicgrid.dashboard.api.urls")),
    path("field/", include("civicgrid.fieldwork.api.urls")),
    path("", include("civicgrid.portal.api.urls")),
    path("classify/", include("civicgrid.classify.api.urls")),
    path("textcheck/", include("civicgrid.textcheck.api.urls")),
    path("duplicates/", include("civicgrid.duplicates.api.urls")),
    path("proactive/", include("civicgrid.proactive.api.urls")),
    path("reports/", include("civicgrid.reports.api.urls")),
    path("deliberation/", include("civicgrid.deliberation.api.urls")),
    path("wishes/", include("civicgrid.wishes.api.urls")),
    path("proposals/", include("civicgrid.proposals.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    # Last: an address that names no endpoint answers in the API's JSON. Only with the trailing
    # slash, so that Django still adds a missing one to a real endpoint's address.
    re_path(r"^.*/$", api_errors.not_found),
]

urlpatterns = [
    # Pages name their icon; the admin, the API's own pages and bookmarks ask for /favicon.ico.
    path("favicon.ico", RedirectView.as_view(url=f"{settings.STATIC_URL}civicgrid/favicon.svg", permanent=True)),
    path("", core_views.home, name="home"),
    path("about/", core_views.about, name="about"),
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("civicgrid.people.urls")),
    path("areas/", include("civicgrid.geo.urls")),
    path("api/v1/", include(api_v1)),
    path("open311/v2/", include("civicgrid.open311.urls")),
    path("orders/", include("civicgrid.workorders.urls")),
    path("inbox/", include("civicgrid.notifications.urls")),
    path("echo/", include("civicgrid.notifications.echo_urls")),
    path("portal/", include("civicgrid.portal.urls")),
    path("field/", include("civicgrid.fieldwork.urls")),
    path("center/", include("civicgrid.dashboard.urls")),
    path("intelligence/classifier/", include("civicgrid.classify.urls")),
    path("intelligence/checks/", include("civicgrid.textcheck.urls")),
    path("intelligence/duplicates/", include("civicgrid.duplicates.urls")),
    path("proactive/", include("civicgrid.proactive.urls")),
    path("reports/", include("civicgrid.reports.urls")),
    path("deliberation/", include("civicgrid.deliberation.urls")),
    path("wishes/", include("civicgrid.wishes.urls")),
    path("proposals/", include("civicgrid.proposals.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
