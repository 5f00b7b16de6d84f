from django.urls import path

from . import views

app_name = "public"

urlpatterns = [
    path("<slug:gemeente>/", views.public_theme_list, name="gemeente"),
    path("<slug:gemeente>/<slug:theme>/", views.public_theme, name="theme"),
]
