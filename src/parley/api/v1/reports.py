"""Mastodon API: POST /api/v1/reports (moderators list and resolve them with `parley report`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field, field_validator

from parley.api.entities.reports import report_entity
from parley.api.params import parse
from parley.http.auth import AccountViewer, account_required
from parley.http.deps import AppSettings, DbSession, path_id
from parley.http.openapi import body
from parley.http.ratelimit import REPORTS, spend_action
from parley.http.responses import FastJSON, json_response
from parley.moderation.service import ReportDraft, create_report

router = APIRouter()


class ReportForm(BaseModel):
    account_id: str | int
    status_ids: list[str | int] = Field(default_factory=list, max_length=1000)
    comment: str = Field(default="", max_length=100_000)
    category: str | None = None
    rule_ids: list[str | int] = Field(default_factory=list, max_length=1000)
    forward: bool = False
    forward_to_domains: list[str] = Field(default_factory=list, max_length=1000)

    @field_validator("status_ids", "rule_ids", "forward_to_domains", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str | int) else value

    @field_validator("comment", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        return "" if value is None else value

    def draft(self) -> ReportDraft:
        return ReportDraft(
            target_account_id=path_id(str(self.account_id)),
            post_ids=[path_id(str(value)) for value in self.status_ids],
            comment=self.comment, category=self.category or None,
            rule_ids=[str(value) for value in self.rule_ids], forward=self.forward)


@router.post("/api/v1/reports", openapi_extra=body(ReportForm))
async def file_report(request: Request, session: DbSession, settings: AppSettings,
                      viewer: AccountViewer = Depends(account_required("write:reports"))
                      ) -> FastJSON:
    form = await parse(request, ReportForm)
    report, target = await create_report(session, reporter=viewer.account, draft=form.draft())
    await spend_action(request, REPORTS, viewer.id)
    return json_response(report_entity(report, target, settings))
