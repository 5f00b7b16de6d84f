from django.contrib.auth import views as auth_views
from django.urls import path

from . import mfa_views, token_views, views

app_name = "accounts"

urlpatterns = [
    path("inloggen/", views.LoginView.as_view(), name="login"),
    path("uitloggen/", auth_views.LogoutView.as_view(), name="logout"),
    path("wachtwoord-vergeten/", views.PasswordResetView.as_view(), name="password_reset"),
    path("wachtwoord-vergeten/verstuurd/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("wachtwoord-herstellen/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("wachtwoord-herstellen/klaar/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("tweestapsverificatie/", mfa_views.enrol, name="mfa_enrol"),
    path("tweestapsverificatie/code/", mfa_views.verify, name="mfa_verify"),
    path("organisatie/kiezen/", views.switch_organisation, name="switch_organisation"),
    path("organisatie/<slug:slug>/", views.organisation_detail, name="organisation"),
    path("organisatie/<slug:slug>/auditlog/", views.audit_log, name="audit_log"),
    path("organisatie/<slug:slug>/api-sleutels/", token_views.token_list, name="api_tokens"),
    path("organisatie/<slug:slug>/api-sleutels/<uuid:uuid>/intrekken/", token_views.token_revoke,
         name="api_token_revoke"),
    path("organisatie/<slug:slug>/huisstijl/", views.house_style_edit, name="house_style"),
    path("organisatie/<slug:slug>/huisstijl.css", views.house_style_css, name="house_style_css"),
    path("organisatie/<slug:slug>/logo", views.house_style_logo, name="house_style_logo"),
]
