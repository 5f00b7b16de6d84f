"""The one registry behind the extension points: ordered, and a key registered twice is refused or replaces."""

from __future__ import annotations

import pytest

from cyberbeeld.common.registry import Registry


def test_entries_are_listed_by_order_then_registration():
    reg: Registry[str] = Registry("thing")
    reg.add("b", "B")
    reg.add("a", "A")
    reg.add("z", "Z", order=10)
    assert reg.values() == ["Z", "B", "A"]
    assert [k for k, _v in reg.items()] == ["z", "b", "a"]
    assert "a" in reg and "q" not in reg and len(reg) == 3


def test_a_key_registered_twice_is_refused_with_its_name():
    reg: Registry[str] = Registry("dashboard module")
    reg.decorator("cards")("one")
    with pytest.raises(ValueError, match="dashboard module 'cards' registered twice"):
        reg.add("cards", "two")
    assert reg.values() == ["one"]


def test_a_replacing_registry_keeps_the_first_position():
    reg: Registry[str] = Registry("menu entry", replace=True)
    reg.add("a", "A1")
    reg.add("b", "B")
    reg.add("a", "A2")
    assert reg.values() == ["A2", "B"]


def test_every_app_card_and_menu_entry_is_registered():
    from cyberbeeld.common import modules, navigation

    keys = [k for k, _ in modules._REGISTRY.items()]
    assert {"areas", "incidents", "monitor", "risks", "sharing", "actions"} <= set(keys)
    assert keys[0] == "areas"  # the areas card leads the dashboard, as when web/modules.py defined it
    assert "areas" in {i.key for i in navigation.items()}
