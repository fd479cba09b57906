"""The examples in the tracks package's docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import skyaccord.tracks

MODULES = sorted(
    m.name for m in pkgutil.walk_packages(skyaccord.tracks.__path__, prefix="skyaccord.tracks.")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
