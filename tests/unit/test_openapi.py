"""The OpenAPI declarations (http/openapi.py) and their use: a route that reads parameters by
hand declares them, so `/openapi.json` describes what the route reads."""

from __future__ import annotations

import inspect
import re

from fastapi.routing import APIRoute
from pydantic import BaseModel, Field

from parley.api.router import api_router
from parley.app import create_app
from parley.config import Settings
from parley.http.openapi import body, combined, query

# What in an endpoint's own source reads parameters by hand.
READS_BY_HAND = re.compile(r"\bparse\(request|from_request\(request|query_params|ids_param\(")


class Inner(BaseModel):
    name: str


class Sample(BaseModel):
    q: str = Field(min_length=1)
    types: list[str] = []
    inner: Inner | None = None
    limit: int = 20


class Paging(BaseModel):
    limit: int | None = None
    max_id: str | None = None


def test_query_declares_fields_lists_with_brackets_and_each_name_once() -> None:
    parameters = query(Sample, Paging)["parameters"]
    assert [p["name"] for p in parameters] == ["q", "types[]", "inner", "limit", "max_id"]
    by_name = {p["name"]: p for p in parameters}
    assert by_name["q"]["required"] is True and by_name["limit"]["required"] is False
    assert by_name["types[]"]["style"] == "form" and by_name["types[]"]["explode"] is True
    assert by_name["limit"]["schema"]["type"] == "integer"  # Sample's, declared first


def test_body_inlines_nested_models() -> None:
    declared = body(Sample)["requestBody"]
    assert declared["required"] is True
    schema = declared["content"]["application/json"]["schema"]
    assert "$defs" not in schema
    inner = schema["properties"]["inner"]["anyOf"][0]
    assert inner["properties"]["name"]["type"] == "string"


def test_combined_joins_parameters() -> None:
    joined = combined(query(Paging), body(Sample))
    assert len(joined["parameters"]) == 2 and "requestBody" in joined


def test_routes_reading_by_hand_declare_what_they_read() -> None:
    spec = create_app(Settings()).openapi()
    undeclared = []
    for route in api_router.routes:
        if not isinstance(route, APIRoute):
            continue
        if not READS_BY_HAND.search(inspect.getsource(route.endpoint)):
            continue
        for method in route.methods:
            operation = spec["paths"][route.path][method.lower()]
            declared = [p for p in operation.get("parameters", []) if p["in"] != "path"]
            if not declared and "requestBody" not in operation:
                undeclared.append(f"{method} {route.path}")
    assert not undeclared, undeclared
