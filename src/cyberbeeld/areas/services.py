from __future__ import annotations

from typing import Any

from django.db import transaction

from cyberbeeld.accounts import audit

from .models import Area

MAPPING_FIELDS = ["veiligheidsregio", "politie_eenheid", "politie_district", "basisteam", "successor"]


@transaction.atomic
def area_mapping_update(*, by: Any, area: Area, **values: Any) -> Area:
    before = {f: getattr(area, f"{f}_id") for f in MAPPING_FIELDS}
    for f, v in values.items():
        if f not in MAPPING_FIELDS:
            raise ValueError(f"field {f} cannot be changed here")
        setattr(area, f, v)
    if area.successor_id and area.successor_id == area.pk:
        raise ValueError("A gemeente cannot be its own successor.")
    if values.get("successor") is not None:
        area.superseded = True
    area.save()
    after = {f: getattr(area, f"{f}_id") for f in MAPPING_FIELDS}
    audit.record(user=by, action="update", obj=area, changes=audit.diff(before, after))
    return area
