"""Parley's own OpenAPI document (`/openapi.json`): FastAPI's, completed with what FastAPI
cannot see. Most routes read their parameters by hand (api/params.py: `types[]=a`, nested
form keys, JSON or form bodies), so they declare them with `query(...)` and `body(...)`,
descriptions built from the same pydantic models the routes validate with."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

Extra = dict[str, Any]  # a route's `openapi_extra`, merged into its operation by FastAPI
BODY_TYPES = ("application/json",)
FORM_TYPES = ("application/json", "application/x-www-form-urlencoded")  # flat models only
UPLOAD_TYPES = ("multipart/form-data",)


def _inlined(schema: Any, defs: dict[str, Any]) -> Any:
    """`schema` with its `$ref`s to pydantic's `$defs` replaced by the definitions (the
    parameter models are small and never recursive), so each operation stands alone."""
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inlined(defs[ref.removeprefix("#/$defs/")], defs)
        return {key: _inlined(value, defs) for key, value in schema.items() if key != "$defs"}
    if isinstance(schema, list):
        return [_inlined(item, defs) for item in schema]
    return schema


def model_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The JSON schema of `model` as it validates input, self-contained."""
    schema = model.model_json_schema(mode="validation")
    inlined: dict[str, Any] = _inlined(schema, schema.get("$defs", {}))
    return inlined


def date_time(schema: dict[str, Any]) -> None:
    """`json_schema_extra` of a text field holding a moment (read by hand, so clients'
    spellings all pass): declared as one, so a fuzzer sends moments, the calendar's ends
    included."""
    for option in schema.get("anyOf", [schema]):
        if option.get("type") == "string":
            option["format"] = "date-time"


def _is_list(schema: dict[str, Any]) -> bool:
    if schema.get("type") == "array":
        return True
    return any(_is_list(option) for option in schema.get("anyOf", ()))


def query(*models: type[BaseModel]) -> Extra:
    """`models`' fields as query parameters; a list field is sent as `name[]=a&name[]=b`,
    the spelling Mastodon clients use and api/params.py reads."""
    parameters = []
    declared: set[str] = set()
    for model in models:  # a name two models share is declared by the first
        schema = model_schema(model)
        required = set(schema.get("required", ()))
        for name, field in schema.get("properties", {}).items():
            if name in declared:
                continue
            declared.add(name)
            listed = _is_list(field)
            parameters.append({
                "name": f"{name}[]" if listed else name, "in": "query",
                "required": name in required, "schema": field,
                **({"style": "form", "explode": True} if listed else {}),
            })
    return {"parameters": parameters}


def body(model: type[BaseModel], media_types: tuple[str, ...] = BODY_TYPES) -> Extra:
    """`model` as the request body. JSON only by default: api/params.py reads a form body
    the same way, but a form cannot spell the nested fields (`poll[options][]`) in OpenAPI's
    terms, so a fuzzer would only send the flat ones."""
    schema = model_schema(model)
    return {"requestBody": {
        "required": bool(schema.get("required")),
        "content": {media_type: {"schema": schema} for media_type in media_types},
    }}


def combined(*extras: Extra) -> Extra:
    """Several declarations for one route (its query parameters and its body)."""
    result: Extra = {}
    for extra in extras:
        for key, value in extra.items():
            if key == "parameters":
                result.setdefault("parameters", []).extend(value)
            else:
                result[key] = value
    return result
