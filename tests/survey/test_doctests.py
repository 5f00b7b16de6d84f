"""The examples in the survey engine's docstrings run."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "cyberbeeld.survey",
    "cyberbeeld.survey.variance",
    "cyberbeeld.survey.design",
    "cyberbeeld.survey.quantiles",
    "cyberbeeld.survey.hadamard",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
