from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.report_list, name="list"),
    path("<uuid:uuid>/", views.report_detail, name="detail"),
    path("<uuid:uuid>/voortgang/", views.report_status, name="status"),
    path("<uuid:uuid>/download/", views.report_download, name="download"),
    path("<uuid:uuid>/bekijken/", views.report_view, name="view"),
    path("<uuid:uuid>/opnieuw/", views.report_retry, name="retry"),
    path("<uuid:uuid>/annuleren/", views.report_cancel, name="cancel"),
]
