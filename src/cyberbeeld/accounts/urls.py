from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("inloggen/", views.LoginView.as_view(), name="login"),
    path("uitloggen/", auth_views.LogoutView.as_view(), name="logout"),
    path("wachtwoord-vergeten/", views.PasswordResetView.as_view(), name="password_reset"),
    path("wachtwoord-vergeten/verstuurd/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("wachtwoord-herstellen/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("wachtwoord-herstellen/klaar/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("organisatie/kiezen/", views.switch_organisation, name="switch_organisation"),
    path("organisatie/<slug:slug>/", views.organisation_detail, name="organisation"),
    path("organisatie/<slug:slug>/auditlog/", views.audit_log, name="audit_log"),
    path("organisatie/<slug:slug>/huisstijl/", views.house_style_edit, name="house_style"),
    path("organisatie/<slug:slug>/huisstijl.css", views.house_style_css, name="house_style_css"),
    path("organisatie/<slug:slug>/logo", views.house_style_logo, name="house_style_logo"),
]
