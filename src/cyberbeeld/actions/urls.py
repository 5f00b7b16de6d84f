from django.urls import path

import cyberbeeld.common.converters  # noqa: F401 - registers the "key" converter

from . import views

app_name = "actions"

urlpatterns = [
    path("", views.measure_list, name="list"),
    path("nieuw/", views.measure_edit, name="measure_create"),
    path("aanpak/<uuid:uuid>/overnemen/", views.adopt_approach, name="adopt_approach"),
    path("dekking/", views.coverage, name="coverage"),
    path("te-laat/", views.overdue, name="overdue"),
    path("export.<str:fmt>", views.measure_export, name="export"),
    path("portefeuilles/", views.portfolio_matrix, name="portfolios"),
    path("portefeuilles/afdruk/", views.portfolio_matrix, {"printable": True}, name="portfolios_print"),
    path("portefeuilles/nieuw/", views.portfolio_edit, name="portfolio_create"),
    path("portefeuilles/<uuid:uuid>/bewerken/", views.portfolio_edit, name="portfolio_edit"),
    path("bevoegdheden/", views.powers, name="powers"),
    path("bevoegdheden/v<key:version>/", views.powers, name="powers_version"),
    path("bevoegdheden/<slug:code>/bewerken/", views.powers_edit, name="powers_edit"),
    path("bevoegdheden/scenario/<uuid:uuid>/", views.decision_aid, name="decision_aid"),
    path("oefeningen/", views.exercise_list, name="exercises"),
    path("oefeningen/nieuw/", views.exercise_new, name="exercise_create"),
    path("oefeningen/gedeeld/<str:token>.pdf", views.exercise_shared_pdf, name="exercise_shared_pdf"),
    path("oefeningen/<uuid:uuid>/", views.exercise_detail, name="exercise_detail"),
    path("oefeningen/<uuid:uuid>/bewerken/", views.exercise_edit, name="exercise_edit"),
    path("oefeningen/<uuid:uuid>/injects/", views.exercise_inject_add, name="exercise_inject_add"),
    path("oefeningen/<uuid:uuid>/injects/<uuid:inject>/verwijderen/", views.exercise_inject_delete,
         name="exercise_inject_delete"),
    path("oefeningen/<uuid:uuid>/deelnemers/", views.exercise_participant_add, name="exercise_participant_add"),
    path("oefeningen/<uuid:uuid>/leiden/", views.exercise_run, name="exercise_run"),
    path("oefeningen/<uuid:uuid>/klok/", views.exercise_clock, name="exercise_clock"),
    path("oefeningen/<uuid:uuid>/actie/<slug:op>/", views.exercise_action, name="exercise_action"),
    path("oefeningen/<uuid:uuid>/evaluatie/", views.exercise_evaluation, name="exercise_evaluation"),
    path("oefeningen/<uuid:uuid>/evaluatie/<uuid:entry>/maatregel/", views.observation_measure,
         name="observation_measure"),
    path("oefeningen/<uuid:uuid>/<slug:kind>.pdf", views.exercise_pdf, name="exercise_pdf"),
    path("preventie/", views.campaign_list, name="campaigns"),
    path("preventie/nieuw/", views.campaign_edit, name="campaign_create"),
    path("preventie/<uuid:uuid>/", views.campaign_detail, name="campaign_detail"),
    path("preventie/<uuid:uuid>/bewerken/", views.campaign_edit, name="campaign_edit"),
    path("<uuid:uuid>/", views.measure_detail, name="measure_detail"),
    path("<uuid:uuid>/bewerken/", views.measure_edit, name="measure_edit"),
]
