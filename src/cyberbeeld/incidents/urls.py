from django.urls import path

from . import views

app_name = "incidents"

urlpatterns = [
    path("", views.incident_list, name="list"),
    path("nieuw/", views.incident_edit, name="create"),
    path("<uuid:uuid>/", views.incident_detail, name="detail"),
    path("<uuid:uuid>/bewerken/", views.incident_edit, name="edit"),
]
