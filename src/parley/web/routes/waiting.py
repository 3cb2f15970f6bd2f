"""The conversation-first pages: Conversations (the signed-in front page), Waiting for you,
and direct messages as a list of conversations and a chat-like thread."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from starlette.responses import Response

from parley.conversations import threads
from parley.errors import NotFound
from parley.http.deps import DbSession
from parley.lib.ids import parse_id
from parley.store.rawwrite import SessionSql
from parley.timelines import service as timelines
from parley.waiting import service as waiting_service
from parley.web.forms import form_fields, page_request, safe_next
from parley.web.render import Page, PageContext
from parley.web.routing import WebRoute
from parley.web.views import AccountView, PostView, account_view, post_views

router = APIRouter(route_class=WebRoute)


@dataclass
class ConversationView:
    thread_id: int
    latest_id: int
    posts_count: int
    root: PostView | None
    participants: list[AccountView]
    newest: list[PostView]

    @property
    def href(self) -> str:
        first = self.root or (self.newest[0] if self.newest else None)
        return first.href if first is not None else "#"


async def conversation_views(db: DbSession, summaries: list[threads.ThreadSummary],
                             viewer: int) -> list[ConversationView]:
    """Views of a page of conversations, their posts rendered in one batch."""
    wanted = [post.id for s in summaries for post in ([s.root] if s.root else []) + s.newest]
    views = {view.id: view
             for view in await post_views(SessionSql(db), viewer_id=viewer, ids=wanted)}
    return [ConversationView(
        thread_id=s.thread_id, latest_id=s.latest_id, posts_count=s.posts_count,
        root=views.get(s.root.id) if s.root else None,
        participants=[account_view(a) for a in s.participants],
        newest=[views[p.id] for p in s.newest if p.id in views])
        for s in summaries]


async def front_page(page: Page, db: DbSession) -> Response:
    found = await timelines.public_timeline(db, page=page_request(page.request),
                                            filters=timelines.FeedFilter(local=True))
    return page.render("front.html", posts=await post_views(
        SessionSql(db), viewer_id=None, ids=[post.id for post in found]))


@router.get("/")
async def conversations(page: PageContext, db: DbSession) -> Response:
    if page.account is None:
        return await front_page(page, db)
    request = page_request(page.request)
    summaries = await threads.conversation_threads(db, viewer_id=page.account.id, page=request)
    items = await conversation_views(db, summaries, page.account.id)
    older = summaries[-1].latest_id if len(summaries) == request.limit else None
    return page.render("conversations.html", items=items, older=older)


@router.get("/waiting")
async def waiting(page: PageContext, db: DbSession) -> Response:
    account = page.require_account()
    request = page_request(page.request)
    found = await waiting_service.waiting_posts(db, viewer_id=account.id, page=request)
    newer = found[-1].id if len(found) == request.limit else None
    views = await post_views(SessionSql(db), viewer_id=account.id,
                             ids=[post.id for post in found])
    return page.render("waiting.html", posts=views, newer=newer)


@router.post("/waiting/{post_id}/dismiss")
async def dismiss(post_id: str, page: PageContext, db: DbSession) -> Response:
    account = page.require_account()
    fields = await form_fields(page.request)
    page.require_csrf(fields)
    await waiting_service.dismiss(db, viewer_id=account.id, post_id=parse_id(post_id) or 0)
    if page.is_htmx:
        return page.render("_removed.html", message="Dismissed.")
    return page.redirect(safe_next(fields.get("next"), default="/waiting"))


@router.get("/messages")
async def messages(page: PageContext, db: DbSession) -> Response:
    account = page.require_account()
    request = page_request(page.request)
    summaries = await threads.conversation_threads(db, viewer_id=account.id, page=request,
                                                   direct=True, newest=1)
    items = await conversation_views(db, summaries, account.id)
    older = summaries[-1].latest_id if len(summaries) == request.limit else None
    return page.render("messages.html", items=items, older=older)


@router.get("/messages/{thread_id}")
async def message_thread(thread_id: str, page: PageContext, db: DbSession) -> Response:
    account = page.require_account()
    found = await threads.thread_posts(db, thread_id=parse_id(thread_id) or 0,
                                       viewer_id=account.id)
    if not found:
        raise NotFound()
    views = await post_views(SessionSql(db), viewer_id=account.id,
                             ids=[post.id for post in found])
    people = {view.author.id: view.author for view in views}
    for view in views:
        people.update({m.id: m for m in view.mentions})
    others = [person for person in people.values() if person.id != account.id]
    last = views[-1]
    return page.render("message_thread.html", posts=views, others=others, last=last,
                       thread_id=found[0].thread_id,
                       reply_text=last.reply_prefix(account.acct))
