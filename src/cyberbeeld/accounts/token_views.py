"""The beheerder's page for the organisation's API tokens: make one (the token is shown once) and revoke."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cyberbeeld.common.forms import StyledFormMixin

from . import policy, tokens
from .models import ApiToken, Organisation


def _scope_choices() -> list[tuple[str, str]]:
    out = []
    for family, label in tokens.FAMILIES.items():
        out.append((f"{family}:read", _("%(what)s lezen") % {"what": label}))
        out.append((f"{family}:write", _("%(what)s lezen en schrijven") % {"what": label}))
    return out


class TokenForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=gettext_lazy("Naam"), max_length=100,
                           help_text=gettext_lazy("Waarvoor is deze sleutel? Bijv. 'koppeling zaaksysteem'"))
    scopes = forms.MultipleChoiceField(label=gettext_lazy("Bereik"), widget=forms.CheckboxSelectMultiple,
                                       help_text=gettext_lazy("Geef alleen wat de koppeling nodig heeft."))
    days = forms.IntegerField(label=gettext_lazy("Geldig (dagen)"), min_value=1, max_value=tokens.MAX_DAYS,
                              initial=tokens.DEFAULT_DAYS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scopes"].choices = _scope_choices()


def _managed(request: HttpRequest, slug: str) -> Organisation:
    org = get_object_or_404(policy.organisations_of(request.user), slug=slug)
    if not tokens.may_manage(request.user, org):
        raise Http404
    return org


@login_required
def token_list(request: HttpRequest, slug: str) -> HttpResponse:
    org = _managed(request, slug)
    form = TokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        token, text = tokens.token_create(by=request.user, organisation=org, name=form.cleaned_data["name"],
                                          scopes=form.cleaned_data["scopes"], days=form.cleaned_data["days"])
        created = (token, text)
        form = TokenForm()
    rows = ApiToken.objects.filter(organisation=org).select_related("created_by")
    return render(request, "accounts/api_tokens.html", {
        "org": org, "form": form, "created": created, "rows": rows, "labels": dict(_scope_choices())})


@login_required
@require_POST
def token_revoke(request: HttpRequest, slug: str, uuid: str) -> HttpResponse:
    org = _managed(request, slug)
    token = get_object_or_404(ApiToken, organisation=org, uuid=uuid)
    tokens.token_revoke(by=request.user, token=token)
    messages.success(request, _("API-sleutel ingetrokken."))
    return redirect("accounts:api_tokens", slug=org.slug)
