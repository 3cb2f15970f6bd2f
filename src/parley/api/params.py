"""Request parameters as Mastodon clients send them: query, form, multipart or JSON.

Form keys like `types[]=a&types[]=b` become lists and `source[privacy]=x` nested dicts, so a
pydantic model validates every encoding the same way.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

import orjson
from fastapi import Request
from pydantic import BaseModel, ValidationError
from starlette.datastructures import UploadFile

from parley.errors import Invalid, TooLarge
from parley.http.hygiene import DEPTH_MESSAGE, MAX_BODY, MAX_DEPTH, check_depth
from parley.http.openapi import query

_KEY_PART = re.compile(r"\[([^\]]*)\]")
Model = TypeVar("Model", bound=BaseModel)


class IdsQuery(BaseModel):
    """`id[]=1&id[]=2`, as the routes taking several ids read them (for the OpenAPI
    document: those routes read the ids by hand, skipping bad ones)."""

    id: list[str] = []


MANY_IDS = query(IdsQuery)  # the `openapi_extra` of a route taking several ids


def _split_key(key: str) -> list[str]:
    """'a[b][]' -> ['a', 'b', '']"""
    head, _, rest = key.partition("[")
    parts = [head, *_KEY_PART.findall("[" + rest)] if rest else [head]
    if len(parts) > MAX_DEPTH:
        raise Invalid(DEPTH_MESSAGE)
    return parts


def _assign(target: dict[str, Any], parts: list[str], value: Any) -> None:
    node = target
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        next_is_list = not last and parts[index + 1] == ""
        if last:
            node[part] = value
            return
        if next_is_list and index + 1 == len(parts) - 1:
            existing = node.get(part)
            if not isinstance(existing, list):
                existing = []
                node[part] = existing
            existing.append(value)
            return
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child


def nest_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Turn flat form pairs into nested dicts and lists."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if not key:
            continue
        _assign(result, _split_key(key), value)
    return result


async def read_params(request: Request) -> dict[str, Any]:
    """Merge query string and body (body wins), whatever the body's encoding."""
    params = nest_pairs(list(request.query_params.multi_items()))
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return params
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        body = await request.body()
        if len(body) > MAX_BODY:  # upload routes, uncapped at the edge, take JSON too
            raise TooLarge()
        if body.strip():
            try:
                data = orjson.loads(body)
            except orjson.JSONDecodeError:
                raise Invalid("Request body is not valid JSON")
            if not isinstance(data, dict):
                raise Invalid("Request body must be a JSON object")
            check_depth(data)
            params.update(data)
    elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.form()
        params.update(nest_pairs([(k, v) for k, v in form.multi_items()
                                  if not isinstance(v, UploadFile) or v.filename]))
    return params


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def validate(model: type[Model], params: dict[str, Any]) -> Model:
    """Validate params into `model`, turning pydantic's report into one readable 422."""
    if _has_nul(params):  # PostgreSQL cannot store NUL in text; refuse it for every database
        raise Invalid("Validation failed: NUL characters are not allowed")
    try:
        return model.model_validate(params)
    except ValidationError as exc:
        details = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}"
            for err in exc.errors()
        )
        raise Invalid(f"Validation failed: {details}")


async def parse(request: Request, model: type[Model]) -> Model:
    """read_params + validate in one call, for routes."""
    return validate(model, await read_params(request))
