"""A strict loader for scenario files: statutory cases written as data a lawyer can check."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

SCENARIOS = Path(__file__).parent / "scenarios"


def load_scenarios(filename: str, required: Iterable[str], optional: Iterable[str] = ()) -> list[Any]:
    """Every [[scenario]] of a TOML file as a pytest param named by its sentence.

    Unknown or missing keys fail loudly, so a typo cannot silently skip a check.
    """
    required, optional = set(required) | {"name"}, set(optional)
    with (SCENARIOS / filename).open("rb") as handle:
        scenarios = tomllib.load(handle)["scenario"]
    params = []
    for scenario in scenarios:
        keys = set(scenario)
        assert not keys - required - optional, f"{filename}: unknown keys {keys - required - optional}"
        assert not required - keys, f"{filename}: missing keys {required - keys}"
        assert scenario["name"].endswith("."), f"{filename}: name a scenario in a full sentence"
        params.append(pytest.param(scenario, id=scenario["name"]))
    return params
