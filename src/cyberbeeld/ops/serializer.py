"""Django's JSON serializer without its loss of precision: ``DjangoJSONEncoder`` cuts datetimes and
times to milliseconds, so a backup → restore would change every timestamp. This one keeps microseconds;
the stock JSON deserializer reads the result (registered as ``cyberbeeld-json`` for ``dumpdata``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.serializers.json import Deserializer as Deserializer  # noqa: PLC0414  (re-exported)
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.json import Serializer as JsonSerializer


class PreciseEncoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime):
            text = o.isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        if isinstance(o, dt.time):
            return o.isoformat()
        return super().default(o)


class Serializer(JsonSerializer):
    def _init_options(self) -> None:
        self.options.setdefault("cls", PreciseEncoder)
        super()._init_options()
