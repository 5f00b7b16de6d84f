"""Fixtures of the report tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def demo_picture(world, taxonomy):
    """The example threat picture of Maastricht (risks demo hook) on the test world."""
    from cyberbeeld.indicators.models import Indicator, Observation
    from cyberbeeld.risks.demo import load

    ind = Indicator.objects.create(code="vm-online-oplichting-fraude", name_nl="Slachtofferschap online oplichting en fraude",
                                   name_en="Victims of online fraud", unit="percent", polarity="higher-worse",
                                   source="veiligheidsmonitor", series="vm-online-2021", source_table="85146NED")
    for period, value, lo, hi in (("2021", 6.1, 5.2, 7.0), ("2023", 8.4, 7.5, 9.3)):
        Observation.objects.create(indicator=ind, area=world.gm_maastricht, period=period, value=value, ci_low=lo,
                                   ci_high=hi)
    load(orgs={"gemeente-maastricht": world.maastricht}, areas={"GM0935": world.gm_maastricht}, log=lambda m: None)
    return world
