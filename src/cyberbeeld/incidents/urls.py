from django.urls import path

import cyberbeeld.common.converters  # noqa: F401 - registers the "key" converter

from . import views

app_name = "incidents"

urlpatterns = [
    path("", views.incident_list, name="list"),
    path("nieuw/", views.incident_edit, name="create"),
    path("vragen/", views.detail_fields, name="detail_fields"),
    path("exporteren/", views.incident_export, name="export"),
    path("importeren/", views.import_upload, name="import"),
    path("importeren/<uuid:uuid>/", views.import_job, name="import_job"),
    path("importeren/<uuid:uuid>/annuleren/", views.import_job_cancel, name="import_job_cancel"),
    path("importeren/<uuid:uuid>/opnieuw/", views.import_job_retry, name="import_job_retry"),
    path("bewaartermijnen/", views.retention_overview, name="retention"),
    path("bewaartermijnen/<key:pk>/verwijderen/", views.retention_rule_delete, name="retention_delete"),
    path("taxonomie/", views.taxonomy_overview, name="taxonomy"),
    path("taxonomie/machinetag.json", views.taxonomy_export, name="taxonomy_export"),
    path("vroegsignalering/", views.early_warning, name="early_warning"),
    path("<uuid:uuid>/", views.incident_detail, name="detail"),
    path("<uuid:uuid>/bewerken/", views.incident_edit, name="edit"),
]
