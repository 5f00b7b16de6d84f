from __future__ import annotations

from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from cyberbeeld.common.forms import StyledFormMixin

from . import policy
from .middleware import SESSION_KEY
from .models import Audience, AuditEvent


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

