"""Demo content of the casebook: invented, marked as example, idempotent."""

from __future__ import annotations

import pytest

from cyberbeeld.sharing.demo import load
from cyberbeeld.sharing.models import Approach, Case

pytestmark = pytest.mark.django_db


def test_demo_is_marked_and_idempotent(world, taxonomy, no_redact):
    orgs = {"gemeente-maastricht": world.maastricht, "gemeente-eijsden-margraten": world.eijsden,
            "kenniscentrum": world.kenniscentrum}
    lines = []
    load(orgs=orgs, areas={}, log=lines.append)
    load(orgs=orgs, areas={}, log=lines.append)
    assert Case.objects.count() == 2 and Approach.objects.count() == 2
    assert all(c.is_example and c.title.startswith("Voorbeeld") for c in Case.objects.all())
    assert set(Approach.objects.values_list("tlp", flat=True)) == {"clear"}
    assert len(lines) == 1
