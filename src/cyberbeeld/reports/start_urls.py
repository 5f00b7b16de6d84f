from django.urls import path

from . import start_views

app_name = "start"

urlpatterns = [
    path("", start_views.index, name="index"),
    path("gemeente/", start_views.choose_gemeente, name="gemeente"),
    path("opstellen/", start_views.draft, name="draft"),
    path("toelichting/", start_views.narrative, name="narrative"),
    path("publiceren/", start_views.publish, name="publish"),
    path("rapport/", start_views.report, name="report"),
]
