from django.urls import path

import cyberbeeld.common.converters  # noqa: F401 - registers the "key" converter

from . import views

app_name = "indicators"

urlpatterns = [
    path("", views.index, name="index"),
    path("vergelijk/", views.compare, name="compare"),
    path("kaart/<slug:code>/", views.map_page, name="map"),
    path("import/", views.import_upload, name="import"),
    path("import/<key:pk>/", views.import_job, name="import_job"),
    path("import/<key:pk>/annuleren/", views.import_job_cancel, name="import_job_cancel"),
    path("import/<key:pk>/opnieuw/", views.import_job_retry, name="import_job_retry"),
    path("publieke-pagina/<uuid:uuid>/voorbeeld/", views.public_theme_preview, name="public_preview"),
    path("eigen-onderzoek/", views.survey_upload, name="survey_upload"),
    path("<slug:gemeente>/<slug:code>/", views.indicator_page, name="indicator"),
    path("<slug:gemeente>/<slug:code>/download.<str:fmt>", views.indicator_download, name="download"),
]
