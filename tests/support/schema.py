"""Validates live API responses against the Mastodon OpenAPI description."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openapi_schema_validator import OAS31Validator

SCHEMA_PATH = Path(__file__).parents[1] / "schema" / "mastodon-openapi.json"

# Spec bugs listed in shared/mastodon-openapi/README.md: Mastodon itself disagrees with these.
KNOWN_SPEC_BUGS = {("DELETE", "/api/v1/statuses/{id}")}
# Instance contact e-mail may be empty in Mastodon, which fails `format: email`.
KNOWN_MESSAGE_BUGS = ("'' is not a 'email'",)


# Mastodon's admin API is missing from the description's paths, though its entities are in
# its components: (regex of the path, the entity, whether the body is a list of them).
ADMIN_ROUTES = (
    (re.compile(r"^/api/v[12]/admin/accounts$"), "AdminAccount", True),
    (re.compile(r"^/api/v1/admin/accounts/\d+(/(enable|unsilence|unsuspend|unsensitive|"
                r"approve|reject))?$"), "AdminAccount", False),
    (re.compile(r"^/api/v1/admin/reports$"), "AdminReport", True),
    (re.compile(r"^/api/v1/admin/reports/\d+(/[a-z_]+)?$"), "AdminReport", False),
    (re.compile(r"^/api/v1/admin/domain_blocks$"), "AdminDomainBlock", True),
    (re.compile(r"^/api/v1/admin/email_domain_blocks$"), "AdminEmailDomainBlock", True),
    (re.compile(r"^/api/v1/admin/ip_blocks$"), "AdminIpBlock", True),
    (re.compile(r"^/api/v1/admin/measures$"), "AdminMeasure", True),
    (re.compile(r"^/api/v1/admin/dimensions$"), "AdminDimension", True),
)
# A single block (GET, PUT; DELETE answers {}), by the collection's path.
ADMIN_ONE = (
    (re.compile(r"^/api/v1/admin/domain_blocks/\d+$"), "AdminDomainBlock"),
    (re.compile(r"^/api/v1/admin/email_domain_blocks/\d+$"), "AdminEmailDomainBlock"),
    (re.compile(r"^/api/v1/admin/ip_blocks/\d+$"), "AdminIpBlock"),
)


def _template_regex(template: str) -> re.Pattern[str]:
    pattern = re.sub(r"\\\{[^}]+\\\}", r"[^/]+", re.escape(template))
    return re.compile(f"^{pattern}$")


def _fix_quote_schemas(spec: dict[str, Any]) -> None:
    """Spec bug: Quote and ShallowQuote both require only `state`, so every quote matches
    both and Status.quote's `oneOf` can never hold. Mastodon always sends `quoted_status`
    (Quote) or `quoted_status_id` (ShallowQuote), so requiring them tells the two apart."""
    schemas = spec["components"]["schemas"]
    schemas["Quote"]["required"] = ["state", "quoted_status"]
    schemas["ShallowQuote"]["required"] = ["state", "quoted_status_id"]


def _fix_v1_filter_list(spec: dict[str, Any]) -> None:
    """Spec bug: GET /api/v1/filters answers "List of [V1::Filter]" (its description) but
    its schema is one V1Filter."""
    content = spec["paths"]["/api/v1/filters"]["get"]["responses"]["200"]["content"]
    content["application/json"]["schema"] = {
        "type": "array", "items": {"$ref": "#/components/schemas/V1Filter"}}


@dataclass
class SchemaChecker:
    """Finds the operation for a request and checks a 2xx JSON body against its schema."""

    spec: dict[str, Any]
    routes: list[tuple[re.Pattern[str], str]] = field(default_factory=list)
    validators: dict[tuple[str, str, str], OAS31Validator | None] = field(default_factory=dict)

    @classmethod
    def load(cls) -> SchemaChecker:
        spec = json.loads(SCHEMA_PATH.read_text())
        _fix_quote_schemas(spec)
        _fix_v1_filter_list(spec)
        # Literal paths before templated ones: /accounts/lookup must not match /accounts/{id}.
        templates = sorted(spec["paths"], key=lambda t: (t.count("{"), -len(t)))
        return cls(spec=spec, routes=[(_template_regex(t), t) for t in templates])

    def template_for(self, path: str) -> str | None:
        clean = path.rstrip("/") or "/"
        for regex, template in self.routes:
            if regex.match(clean):
                return template
        return None

    def _validator(self, method: str, template: str, status: str) -> OAS31Validator | None:
        key = (method, template, status)
        if key not in self.validators:
            operation = self.spec["paths"][template].get(method.lower(), {})
            response = operation.get("responses", {}).get(status, {})
            schema = response.get("content", {}).get("application/json", {}).get("schema")
            self.validators[key] = None if schema is None else OAS31Validator(
                {**schema, "components": self.spec["components"]},
                format_checker=OAS31Validator.FORMAT_CHECKER,
            )
        return self.validators[key]

    def _admin_validator(self, method: str, path: str) -> OAS31Validator | None:
        one = [(regex, entity, False) for regex, entity in ADMIN_ONE if method != "DELETE"]
        for regex, entity, many in (*ADMIN_ROUTES, *one):
            if regex.match(path.rstrip("/")):
                ref = {"$ref": f"#/components/schemas/{entity}"}
                many = many and not (method == "POST" and path.rstrip("/").endswith("blocks"))
                schema = {"type": "array", "items": ref} if many else ref
                return OAS31Validator({**schema, "components": self.spec["components"]},
                                      format_checker=OAS31Validator.FORMAT_CHECKER)
        return None

    def check(self, method: str, path: str, status: int, body: Any) -> list[str]:
        """Problems with this response (empty when it matches the spec or is not covered)."""
        if not 200 <= status < 300:
            return []
        template = self.template_for(path)
        validator = self._admin_validator(method, path) if template is None else None
        if validator is None and (template is None or (method, template) in KNOWN_SPEC_BUGS):
            return []
        if template is not None:
            validator = self._validator(method, template, str(status))
        if validator is None:
            return []
        return [
            f"{method} {path} -> {'/'.join(str(p) for p in error.absolute_path)}: "
            f"{error.message[:300]}"
            for error in validator.iter_errors(body)
            if error.message not in KNOWN_MESSAGE_BUGS
        ]
