from django.urls import path

from . import views

app_name = "areas"

urlpatterns = [
    path("", views.area_list, name="list"),
    path("ontbrekende-koppelingen/", views.missing_mappings, name="missing"),
    path("<str:code>/", views.area_detail, name="detail"),
    path("<str:code>/koppelingen/", views.edit_mapping, name="edit_mapping"),
]
