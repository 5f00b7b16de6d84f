"""Single sign-on endpoints (404 unless ``CYBERBEELD_OIDC_*`` is configured). The callback's absolute URL,
``https://<host>/oidc/callback/``, is the redirect URI to register at the provider."""

from django.urls import path

from . import sso

urlpatterns = [
    path("authenticate/", sso.LoginStartView.as_view(), name="oidc_authentication_init"),
    path("callback/", sso.CallbackView.as_view(), name="oidc_authentication_callback"),
]
