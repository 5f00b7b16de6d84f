from django.urls import path

from . import views

app_name = "risks"

urlpatterns = [
    path("", views.picture, name="picture"),
    path("ciso/", views.ciso, name="ciso"),
    path("regio/", views.region, name="region"),
    path("bibliotheek/", views.library, name="library"),
    path("bibliotheek/<slug:code>/overnemen/", views.adopt, name="adopt"),
    path("scenario/nieuw/", views.scenario_edit, name="scenario_create"),
    path("scenario/<uuid:uuid>/", views.scenario_detail, name="scenario"),
    path("scenario/<uuid:uuid>/bewerken/", views.scenario_edit, name="scenario_edit"),
    path("scenario/<uuid:uuid>/beoordelen/", views.assess, name="assess"),
    path("beoordeling/<uuid:uuid>/bewerken/", views.assessment_edit, name="assessment_edit"),
    path("beoordeling/<uuid:uuid>/definitief/", views.finalise, name="finalise"),
    path("beoordeling/<uuid:uuid>/opnieuw/", views.reassess, name="reassess"),
    path("objecten/", views.assets, name="assets"),
    path("objecten/nieuw/", views.asset_edit, name="asset_create"),
    path("objecten/<uuid:uuid>/", views.asset_detail, name="asset"),
    path("objecten/<uuid:uuid>/bewerken/", views.asset_edit, name="asset_edit"),
    path("methode/", views.method_page, name="method"),
    path("voorstellen/", views.proposals, name="proposals"),
    path("voorstellen/genereren/", views.generate, name="generate"),
    path("voorstellen/<uuid:uuid>/besluit/", views.decide, name="decide"),
]
