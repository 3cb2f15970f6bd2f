"""Notifications, grouped as the notifications domain keys them: "24 people replied to your
post" is one entry with its people, not 24 lines."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import APIRouter
from sqlalchemy import select
from starlette.responses import Response

from parley.accounts.models import Account
from parley.http.deps import DbSession
from parley.lib.ids import parse_id
from parley.notifications.models import Notification
from parley.notifications.service import NotificationFilter, list_notifications
from parley.posts.models import Post
from parley.posts.visibility import visible_to
from parley.social import service as social
from parley.store.rawwrite import SessionSql
from parley.web.forms import form_fields, page_request, safe_next
from parley.web.render import PageContext
from parley.web.routing import WebRoute
from parley.web.views import AccountView, PostView, account_view, load_views, page_views

router = APIRouter(route_class=WebRoute)
PAGE_SIZE = 80
VERBS = {"like": "liked your post", "repost": "reposted your post",
         "follow": "followed you", "follow_request": "asked to follow you",
         "mention": "mentioned you", "quote": "quoted your post", "post": "posted",
         "update": "edited a post", "quoted_update": "edited a post you quoted",
         "admin.sign_up": "signed up", "admin.report": "filed a report"}


@dataclass
class NotificationGroup:
    """Notifications read as one: their type, the people (newest first), the post."""

    key: str
    type: str
    latest_id: int
    accounts: list[AccountView] = field(default_factory=list)
    post: PostView | None = None
    count: int = 0
    reply: bool = False

    @property
    def summary(self) -> str:
        verb = "replied to your post" if self.reply else VERBS.get(self.type, self.type)
        names = [a.display_name for a in self.accounts[:2]]
        if self.count <= 1:
            return f"{names[0]} {verb}"
        if self.count == 2 and len(names) == 2:
            return f"{names[0]} and {names[1]} {verb}"
        others = self.count - 1
        people = "person" if others == 1 else "people"
        return f"{self.count} people {verb}" if self.reply else (
            f"{names[0]} and {others} other {people} {verb}")


def _groups(rows: list[Notification], accounts: dict[int, Account],
            posts: dict[int, PostView]) -> list[NotificationGroup]:
    groups: dict[str, NotificationGroup] = {}
    for n in rows:
        account = accounts.get(n.from_account_id)
        if account is None or (n.post_id is not None and n.post_id not in posts):
            continue
        key = n.group_key or f"ungrouped-{n.id}"
        group = groups.get(key)
        if group is None:
            post = posts.get(n.post_id) if n.post_id else None
            group = NotificationGroup(key=key, type=n.type, latest_id=n.id, post=post,
                                      reply=n.type == "mention" and key.startswith("mention-"))
            groups[key] = group
        group.count += 1
        if all(a.id != account.id for a in group.accounts):
            group.accounts.append(account_view(account))
    return list(groups.values())


@router.get("/notifications")
async def notifications(page: PageContext, db: DbSession) -> Response:
    account = page.require_account()
    request = page_request(page.request, limit=PAGE_SIZE)
    rows = await list_notifications(db, viewer_id=account.id, page=request,
                                    filters=NotificationFilter())
    sender_ids = {n.from_account_id for n in rows}
    accounts = {a.id: a for a in (await db.scalars(
        select(Account).where(Account.id.in_(sender_ids)))).all()} if sender_ids else {}
    post_ids = {n.post_id for n in rows if n.post_id is not None}
    found = list((await db.scalars(select(Post.id).where(
        Post.id.in_(post_ids), visible_to(account.id)))).all()) if post_ids else []
    loaded = await load_views(SessionSql(db), viewer_id=account.id, ids=found)
    views = {v.id: v for v in page_views(loaded)}
    # A repost notification is about the reposted post: key its view by the repost's id too.
    for post in loaded.posts:
        if post.repost_of_id is not None and post.repost_of_id in views:
            views[post.id] = views[post.repost_of_id]
    groups = _groups(list(rows), accounts, views)
    older = rows[-1].id if len(rows) == request.limit else None
    requests = await social.follow_page(db, account.id, direction="followers",
                                        page=page_request(page.request, limit=40),
                                        state="pending")
    return page.render("notifications.html", groups=groups, older=older,
                       requests=[account_view(a) for _id, a in requests])


@router.post("/follow_requests/{account_id}/{decision}")
async def decide_request(account_id: str, decision: str, page: PageContext, db: DbSession
                         ) -> Response:
    account = page.require_account()
    fields = await form_fields(page.request)
    page.require_csrf(fields)
    requester = parse_id(account_id) or 0
    if decision == "authorize":
        await social.authorize_request(db, target=account, requester_id=requester)
    else:
        await social.reject_request(db, target=account, requester_id=requester)
    return page.redirect(safe_next(fields.get("next"), default="/notifications"))
