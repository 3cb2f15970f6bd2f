"""Mastodon's v1 filters as the v2 filters they are stored as: a phrase is a filter titled
with it holding that one keyword (`irreversible` = the hide action); a v1 id is a keyword's."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from parley.errors import Invalid
from parley.filters.models import Filter, FilterKeyword
from parley.filters.service import (
    FilterDraft,
    KeywordChange,
    create_filter,
    delete_keyword,
    filter_parts,
    get_filter,
    get_keyword,
    update_filter,
    update_keyword,
)

# Mastodon's words (filters.errors.deprecated_api_multiple_keywords).
SHARED_FILTER = ("These parameters cannot be changed from this application because they apply "
                 "to more than one filter keyword. Use a more recent application or the web "
                 "interface.")


@dataclass
class PhraseDraft:
    """A v1 filter's fields; None leaves a value as it is."""

    phrase: str | None = None
    context: list[str] | None = None
    irreversible: bool | None = None
    whole_word: bool | None = None
    expires_in: int | None = None
    never_expires: bool = False

    def filter_draft(self, *, title: str | None = None) -> FilterDraft:
        action = None if self.irreversible is None else (
            "hide" if self.irreversible else "warn")
        return FilterDraft(title=title, context=self.context, action=action,
                           expires_in=self.expires_in, never_expires=self.never_expires)


async def create_phrase(session: AsyncSession, *, account_id: int, draft: PhraseDraft
                        ) -> tuple[Filter, FilterKeyword]:
    """A new filter titled with the phrase, holding it as its one keyword."""
    if draft.phrase is None:
        raise Invalid("Validation failed: phrase can't be blank")
    filter_draft = draft.filter_draft(title=draft.phrase)
    filter_draft.keywords = [KeywordChange(keyword=draft.phrase, whole_word=draft.whole_word)]
    row = await create_filter(session, account_id=account_id, draft=filter_draft)
    [keyword] = (await filter_parts(session, [row.id])).keywords[row.id]
    return row, keyword


def _changes_filter(row: Filter, draft: PhraseDraft) -> bool:
    action = draft.filter_draft().action
    return ((draft.context is not None and list(dict.fromkeys(draft.context)) != row.context)
            or (action is not None and action != row.action)
            or draft.expires_in is not None
            or (draft.never_expires and row.expires_at is not None))


async def update_phrase(session: AsyncSession, *, account_id: int, keyword_id: int,
                        draft: PhraseDraft) -> tuple[Filter, FilterKeyword]:
    """Change the keyword, and its filter's context, action and expiry; a filter holding
    other keywords too keeps those (they are not this phrase's alone to change)."""
    keyword = await get_keyword(session, account_id=account_id, keyword_id=keyword_id)
    row = await get_filter(session, account_id=account_id, filter_id=keyword.filter_id)
    if _changes_filter(row, draft):
        if len((await filter_parts(session, [row.id])).keywords[row.id]) > 1:
            raise Invalid(SHARED_FILTER)
        row = await update_filter(session, account_id=account_id, filter_id=row.id,
                                  draft=draft.filter_draft())
    keyword = await update_keyword(session, account_id=account_id, keyword_id=keyword.id,
                                   keyword=draft.phrase, whole_word=draft.whole_word)
    return row, keyword


async def delete_phrase(session: AsyncSession, *, account_id: int, keyword_id: int) -> None:
    """The keyword goes, as in Mastodon; its filter stays (with its other keywords)."""
    await delete_keyword(session, account_id=account_id, keyword_id=keyword_id)
