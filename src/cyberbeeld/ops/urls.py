from django.urls import path

from . import views

app_name = "ops"

urlpatterns = [
    path("systeem/", views.system_status, name="system_status"),
]
