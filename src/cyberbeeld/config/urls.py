from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path
from django.views.generic.base import RedirectView

from cyberbeeld.api.main import api

handler400 = "cyberbeeld.web.views.error_400"
handler404 = "cyberbeeld.web.views.error_404"
handler403 = "cyberbeeld.web.views.error_403"

urlpatterns = [
    path("api/v1/", api.urls),
    path("api/taxii2/", include("cyberbeeld.sharing.taxii")),
    # single sign-on: outside the language prefix, so the provider knows one fixed redirect URI
    path("oidc/", include("cyberbeeld.accounts.oidc_urls")),
    path("favicon.ico", RedirectView.as_view(url="/static/web/favicon.svg", permanent=True)),
]

urlpatterns += i18n_patterns(
    path("", include("cyberbeeld.web.urls")),
    path("account/", include("cyberbeeld.accounts.urls")),
    path("start/", include("cyberbeeld.reports.start_urls")),
    path("gebieden/", include("cyberbeeld.areas.urls")),
    path("incidenten/", include("cyberbeeld.incidents.urls")),
    path("monitor/", include("cyberbeeld.indicators.urls")),
    path("dreigingsbeeld/", include("cyberbeeld.risks.urls")),
    path("casusboek/", include("cyberbeeld.sharing.urls")),
    path("maatregelen/", include("cyberbeeld.actions.urls")),
    path("rapport/", include("cyberbeeld.reports.urls")),
    path("publiek/", include("cyberbeeld.indicators.public_urls")),
    path("beheer/", include("cyberbeeld.ops.urls")),
    prefix_default_language=True,
)
