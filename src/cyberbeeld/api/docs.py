"""The API's docs page (/api/v1/docs): Swagger UI from vendored files under ``static/api/swagger/`` (copied
from the django-ninja package, which bundles swagger-ui-dist), never from a CDN: it works offline and under
the CSP (no inline script or style: the settings are a JSON data block read by ``swagger-ui-init.js``)."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja.openapi.docs import Swagger


class VendoredSwagger(Swagger):
    template = "api/swagger.html"

    def render_page(self, request: HttpRequest, api: Any, **kwargs: Any) -> HttpResponse:
        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        # json.dumps does not escape "</": keep the data block from closing early
        text = json.dumps(settings).replace("<", "\\u003c")
        return render(request, self.template, {"swagger_settings": text, "api": api})
