"""The engines' JSON codec (pydantic-core) reads back what ``json`` wrote, and vice versa."""

from __future__ import annotations

import json

from pilar_kit.db import json_dumps, json_loads


def test_values_survive_the_round_trip() -> None:
    value = {"nama": "Désa Sukamaju", "n": [1, 2.5, None, True], "nested": {"k": "v"}}
    assert json_loads(json_dumps(value)) == value
    assert json.loads(json_dumps(value)) == value


def test_rows_written_by_json_dumps_read_back() -> None:
    old = json.dumps({"nama": "Désa", "x": float("nan")})  # ASCII escapes and NaN, as before
    back = json_loads(old)
    assert back["nama"] == "Désa"
    assert back["x"] != back["x"]
    assert json_dumps({"x": float("inf")}) == '{"x":Infinity}'
