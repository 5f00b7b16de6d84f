"""Pages of the second factor: the code after the password, enrolment, recovery codes."""

from __future__ import annotations

from django import forms
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from cyberbeeld.common.forms import StyledFormMixin

from . import audit, mfa


class CodeForm(StyledFormMixin, forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"), max_length=32, strip=True,
        help_text=gettext_lazy("De zes cijfers uit uw authenticator-app, of een van uw herstelcodes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "off",
                                      "spellcheck": "false"}),
    )


class EnrolForm(StyledFormMixin, forms.Form):
    device = forms.IntegerField(widget=forms.HiddenInput)
    code = forms.CharField(
        label=gettext_lazy("Code uit de app"), max_length=10, strip=True,
        help_text=gettext_lazy("Scan de QR-code of typ de sleutel over, en vul de zes cijfers in die de app toont."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _next(request: HttpRequest) -> str:
    """A local path to continue to, or "" (never another site, never a bare word)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return ""


def _continue(request: HttpRequest) -> HttpResponse:
    target = _next(request)
    return HttpResponseRedirect(target) if target else redirect("web:dashboard")


@never_cache
@sensitive_post_parameters("code")
@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """The second step after the password."""
    if mfa.state(request) != mfa.VERIFY:
        return _continue(request)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device, throttled = mfa.verify(request, form.cleaned_data["code"])
        if device is not None:
            mfa.mark_verified(request, device)
            audit.record(user=request.user, action="login.mfa", object_type="auth.user",
                         object_id=str(request.user.pk), object_repr=request.user.get_username(),
                         changes={"device": "recovery" if device.__class__.__name__ == "RecoveryCodeDevice"
                                  else "totp"})
            return _continue(request)
        if throttled:
            form.add_error("code", _("Te veel verkeerde codes achter elkaar. Wacht even en probeer het opnieuw."))
        else:
            # a wrong code counts as a failed login for django-axes (same lock-out as wrong passwords)
            user_login_failed.send(sender=__name__, credentials={"username": request.user.get_username()},
                                   request=request)
            if getattr(request, "axes_locked_out", False):
                logout(request)  # AxesMiddleware turns the flag into the lock-out page
                return render(request, "accounts/locked_out.html", status=429)
            form.add_error("code", _("Deze code klopt niet of is al gebruikt."))
    return render(request, "accounts/mfa_verify.html", {"form": form, "next": _next(request)})


@never_cache
@sensitive_post_parameters("code")
@login_required
def enrol(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app (QR code and key), then show the recovery codes once. Someone who
    already has one manages it here after verifying it in this session."""
    state = mfa.state(request)
    enrolled = mfa.has_device(request.user)
    if state == mfa.VERIFY:  # never re-enrol on the strength of a password alone
        return redirect("accounts:mfa_verify")
    action = request.POST.get("action", "")
    if request.method == "POST" and enrolled and action == "recovery_codes":
        codes = mfa.regenerate_recovery_codes(request.user)
        return render(request, "accounts/mfa_recovery_codes.html", {"codes": codes})
    if request.method == "POST" and enrolled and action == "disable":
        if mfa.is_required(request.user):
            context = _enrol_context(request, None, enrolled)
            context["refused"] = _("Voor uw rol is tweestapsverificatie verplicht; u kunt haar niet uitzetten.")
            return render(request, "accounts/mfa_enrol.html", context, status=400)
        mfa.disable(request.user)
        return redirect("accounts:mfa_enrol")
    form = EnrolForm(request.POST if request.method == "POST" and action == "confirm" and not enrolled else None)
    if form.is_bound and form.is_valid():
        codes = mfa.confirm(request, form.cleaned_data["device"], form.cleaned_data["code"])
        if codes is not None:
            return render(request, "accounts/mfa_recovery_codes.html", {"codes": codes, "first": True})
        form.add_error("code", _("Deze code klopt niet. Controleer de tijd op uw telefoon en probeer het opnieuw."))
    return render(request, "accounts/mfa_enrol.html", _enrol_context(request, form, enrolled))


def _enrol_context(request: HttpRequest, form: EnrolForm | None, enrolled: bool) -> dict[str, object]:
    context: dict[str, object] = {"enrolled": enrolled, "required": mfa.is_required(request.user)}
    if not enrolled:
        device = mfa.pending_device(request.user)
        if form is None or not form.is_bound:
            form = EnrolForm(initial={"device": device.pk})
        context.update({
            "form": form,
            "secret": mfa.secret_text(device),
            "qr": mfa.qr_svg(device, _("QR-code om Cyberbeeld aan uw authenticator-app toe te voegen")),
        })
    return context
