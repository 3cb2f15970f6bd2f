"""Mastodon admin API: measures and dimensions (the dashboard's numbers)."""

from __future__ import annotations

import platform
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field, field_validator

from parley.accounts.roles import Permission
from parley.api.params import parse
from parley.config import VERSION, Settings
from parley.http.auth import StaffViewer, staff_required
from parley.http.deps import AppSettings, DbSession
from parley.http.openapi import body
from parley.http.responses import FastJSON, json_response
from parley.moderation import metrics
from parley.moderation.metrics import Span, midnight

router = APIRouter()
# Mastodon: the dashboard needs view_dashboard (moderators have it) and an admin:read token.
DASHBOARD = staff_required("admin:read", Permission.VIEW_DASHBOARD)


class MetricsForm(BaseModel):
    keys: list[str] = Field(default_factory=list, max_length=50)
    start_at: datetime | date
    end_at: datetime | date
    limit: int = Field(default=10, ge=1, le=100)
    instance_statuses: dict[str, Any] | None = None

    @field_validator("keys", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    def span(self) -> Span:
        def day(value: datetime | date) -> date:
            return value.date() if isinstance(value, datetime) else value
        return Span.of(day(self.start_at), day(self.end_at))


def _domain_asked(form: MetricsForm, settings: Settings) -> str | None:
    domain = str((form.instance_statuses or {}).get("domain") or "").lower() or None
    return None if domain == settings.domain else domain


@router.post("/api/v1/admin/measures", openapi_extra=body(MetricsForm))
async def measures(request: Request, session: DbSession, settings: AppSettings,
                   viewer: StaffViewer = Depends(DASHBOARD)) -> FastJSON:
    form = await parse(request, MetricsForm)
    found = await metrics.measures(session, form.keys, form.span(),
                                   {"instance_statuses": _domain_asked(form, settings)})
    return json_response([{
        "key": measure.key, "unit": None, "total": str(measure.total), "human_value": None,
        "previous_total": str(measure.previous_total),
        "data": [{"date": midnight(day).isoformat().replace("+00:00", "Z"), "value": str(value)}
                 for day, value in measure.daily],
    } for measure in found])


def _versions(settings: Settings) -> list[tuple[str, str, int]]:
    database = "postgresql" if settings.resolved_database_url.startswith("postgres") \
        else "sqlite"
    return [("parley", f"Parley {VERSION}", 1),
            ("python", f"Python {platform.python_version()}", 1),
            (database, database, 1)]


@router.post("/api/v1/admin/dimensions", openapi_extra=body(MetricsForm))
async def dimensions(request: Request, session: DbSession, settings: AppSettings,
                     viewer: StaffViewer = Depends(DASHBOARD)) -> FastJSON:
    form = await parse(request, MetricsForm)
    found = await metrics.dimensions(session, form.keys, form.span(), form.limit,
                                     {"software_versions": _versions(settings)})
    return json_response([{
        "key": dimension.key,
        "data": [{"key": key, "human_key": human, "value": str(value)}
                 for key, human, value in dimension.data],
    } for dimension in found])
