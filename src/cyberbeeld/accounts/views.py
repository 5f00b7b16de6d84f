from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cyberbeeld.common.forms import StyledFormMixin

from . import mfa, policy, services, sso
from .forms import ThemeForm
from .house_style import theme_css
from .middleware import SESSION_KEY
from .models import Audience, AuditEvent, OrganisationTheme, Role


class LoginForm(StyledFormMixin, auth_forms.AuthenticationForm):
    pass


class ResetForm(StyledFormMixin, auth_forms.PasswordResetForm):
    pass


class NewPasswordForm(StyledFormMixin, auth_forms.SetPasswordForm):
    pass


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if sso.enabled():
            start = reverse("oidc_authentication_init")
            # the language of this page goes along (the callback URL has no language prefix)
            target = self.get_redirect_url() or resolve_url(settings.LOGIN_REDIRECT_URL)
            context.update({"oidc_enabled": True, "oidc_provider": sso.provider_name(),
                            "oidc_start_url": start + ("?" + urlencode({"next": target}) if target else "")})
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)  # signed in; the second factor (if any) follows
        self.request.session.pop(sso.SESSION_AUTH, None)
        needed = mfa.state(self.request)
        if needed == mfa.VERIFY:
            return redirect(reverse("accounts:mfa_verify") + "?" + urlencode({"next": self.get_success_url()}))
        if needed == mfa.ENROL:
            return redirect("accounts:mfa_enrol")
        return response


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    form_class = ResetForm
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = NewPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@login_required
@require_POST
def switch_organisation(request: HttpRequest) -> HttpResponse:
    org = get_object_or_404(policy.organisations_of(request.user), slug=request.POST.get("organisation", ""))
    request.session[SESSION_KEY] = org.slug
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = ""
    return redirect(target or "web:dashboard")


@login_required
def audit_log(request: HttpRequest, slug: str) -> HttpResponse:
    org = get_object_or_404(policy.organisations_of(request.user), slug=slug)
    if not policy.may_read_audit(request.user, org):
        raise Http404
    events = AuditEvent.objects.filter(organisation=org).select_related("user")
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    # an event about an object the reader may not see shows neither its name nor its changes
    withheld = policy.withheld_audit_events(request.user, page.object_list)
    rows = [(e, e.pk in withheld) for e in page.object_list]
    return render(request, "accounts/audit_log.html", {"org": org, "page": page, "rows": rows})


@login_required
def organisation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    org = get_object_or_404(policy.organisations_of(request.user), slug=slug)
    memberships = org.memberships.select_related("user").order_by("user__username")
    audiences = []
    for aud in Audience.objects.filter(owner=org) | Audience.objects.filter(pk__in=policy.actor_for(request.user).audience_ids):
        audiences.append((aud, policy.audience_members(request.user, aud)))
    return render(request, "accounts/organisation.html", {
        "org": org, "memberships": memberships, "audiences": audiences,
        "may_audit": policy.may_read_audit(request.user, org),
        "regions": org.regions.all(),
    })



@login_required
def house_style_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """The beheerder sets the organisation's name, logo, colour and links (shown in the app and the public pages)."""
    org = get_object_or_404(policy.organisations_of(request.user), slug=slug)
    if not policy.actor_for(request.user).has_role(org.pk, Role.BEHEERDER):
        raise Http404
    instance = OrganisationTheme.objects.filter(organisation=org).first() or OrganisationTheme(organisation=org)
    form = ThemeForm(request.POST or None, request.FILES or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in services.THEME_FIELDS}
        services.theme_save(by=request.user, organisation=org, data=data, logo=form.cleaned_data.get("logo_file"),
                            remove_logo=form.cleaned_data.get("remove_logo", False))
        messages.success(request, _("Huisstijl opgeslagen."))
        return redirect("accounts:organisation", slug=org.slug)
    return render(request, "accounts/house_style.html", {"org": org, "form": form, "theme": instance})


def house_style_css(request: HttpRequest, slug: str) -> HttpResponse:
    """The organisation's theme as a stylesheet (public: the public pages use it; no inline styles under CSP)."""
    theme = get_object_or_404(OrganisationTheme, organisation__slug=slug)
    resp = HttpResponse(theme_css(theme.primary_color), content_type="text/css; charset=utf-8")
    resp["Cache-Control"] = "public, max-age=300"
    return resp


def house_style_logo(request: HttpRequest, slug: str) -> HttpResponse:
    theme = get_object_or_404(OrganisationTheme, organisation__slug=slug)
    if not theme.logo or theme.logo_type not in ("image/png", "image/jpeg", "image/webp"):
        raise Http404
    resp = HttpResponse(bytes(theme.logo), content_type=theme.logo_type)
    resp["X-Content-Type-Options"] = "nosniff"
    resp["Cache-Control"] = "public, max-age=300"
    return resp
