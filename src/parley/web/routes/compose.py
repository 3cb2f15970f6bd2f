"""Writing posts from any page (replies and quotes included) and acting on posts: like,
repost, bookmark, delete. A failed post comes back with the draft and the reason."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from parley.accounts.models import Account
from parley.errors import Invalid, NotFound, ParleyError, RateLimited
from parley.http.deps import DbSession
from parley.http.ratelimit import POSTS, spend_action
from parley.http.remote import look_up_mentions
from parley.http.uploads import UploadForm
from parley.lib.ids import parse_id
from parley.media import processing
from parley.polls.rules import PollSpec, poll_spec
from parley.posts import quotes
from parley.posts import scheduled as scheduled_posts
from parley.posts import service as posts
from parley.posts.compose import validate_draft
from parley.posts.models import VISIBILITIES
from parley.store.rawwrite import SessionSql
from parley.web.forms import checked, form_fields, local_moment, safe_next
from parley.web.render import Page, PageApart, PageContext
from parley.web.routing import SLOW_DOWN, WebRoute
from parley.web.uploads import SLOTS, compose_fields, has_files, record_files
from parley.web.views import PostView, post_view

router = APIRouter(route_class=WebRoute)
MAX_POLL_FIELDS = 10  # read at most this many option fields (the setting says how many count)
DRAFT_FIELDS = ("text", "spoiler_text", "visibility", "in_reply_to_id", "quote_of_id", "next",
                "scheduled_at", "tz_offset", "poll_expires_in", "poll_multiple", "sensitive",
                *(f"poll_option_{i}" for i in range(MAX_POLL_FIELDS)),
                *(f"alt_{slot}" for slot in SLOTS))


async def _context_post(page: Page, db: DbSession, raw_id: str | None) -> PostView | None:
    post_id = parse_id(raw_id)
    if post_id is None or page.account is None:
        return None
    try:
        post = await posts.get_proper_post(db, post_id, viewer_id=page.account.id)
    except NotFound:
        return None
    return await post_view(SessionSql(db), post.id, viewer_id=page.account.id)


async def compose_page(page: Page, db: DbSession, draft: dict[str, str], *,
                       error: str | None = None, status: int = 200) -> Response:
    replying = await _context_post(page, db, draft.get("in_reply_to_id"))
    quoting = await _context_post(page, db, draft.get("quote_of_id"))
    return page.render("compose.html", status=status, draft=draft, error=error,
                       replying=replying, quoting=quoting)


@router.get("/compose")
async def compose(page: PageContext, db: DbSession) -> Response:
    account = page.require_account()
    query = page.request.query_params
    draft = {"in_reply_to_id": query.get("in_reply_to", ""), "quote_of_id": query.get("quote", ""),
             "visibility": account.default_privacy, "text": query.get("text", "")}
    replying = await _context_post(page, db, draft["in_reply_to_id"])
    if replying is not None:
        draft["text"] = draft["text"] or replying.reply_prefix(account.acct)
        if replying.visibility == "direct":
            draft["visibility"] = "direct"
    return await compose_page(page, db, draft)


def _poll(fields: dict[str, str], max_options: int) -> PollSpec | None:
    """The compose form's poll: the options filled in (none: no poll), checked as the API
    checks them."""
    options = [fields.get(f"poll_option_{i}", "").strip() for i in range(MAX_POLL_FIELDS)]
    options = [option for option in options if option]
    if not options:
        return None
    return poll_spec({"options": options, "expires_in": fields.get("poll_expires_in", ""),
                      "multiple": checked(fields, "poll_multiple")}, max_options=max_options)


def _draft(fields: dict[str, str], max_options: int, media_ids: tuple[int, ...] = ()
           ) -> posts.Draft:
    visibility = fields.get("visibility") or None
    if visibility is not None and visibility not in VISIBILITIES:
        raise Invalid("Choose who can see the post.")
    raw_reply, raw_quote = fields.get("in_reply_to_id", ""), fields.get("quote_of_id", "")
    reply_id, quote_id = parse_id(raw_reply), parse_id(raw_quote)
    if (raw_reply and reply_id is None) or (raw_quote and quote_id is None):
        raise NotFound()
    # The web's own uploads may still be processing (a video): the post shows them when done.
    return posts.Draft(text=fields.get("text", ""), spoiler_text=fields.get("spoiler_text", ""),
                       visibility=visibility, in_reply_to_id=reply_id, quote_of_id=quote_id,
                       poll=_poll(fields, max_options),
                       sensitive=True if checked(fields, "sensitive") else None,
                       media_ids=media_ids, media_processing_ok=bool(media_ids))


def _message(exc: ParleyError) -> str:
    if isinstance(exc, NotFound):
        return "The post you are answering is gone, or you cannot see it."
    if isinstance(exc, RateLimited):
        return SLOW_DOWN
    text = exc.message.removeprefix("Validation failed: ")
    return {"Text can't be blank": "Write something first, or add an image.",
            "File content type is invalid": "That file is not an image, a video or a sound.",
            "Scheduled at The scheduled date must be in the future":
            "Pick a time at least five minutes from now."}.get(
        text, text.removeprefix("Scheduled at "))


async def _post(page: Page, db: DbSession, account: Account, form: UploadForm,
                stored: list[str]) -> Response | int:
    """Schedule or publish the form's post (files first: they become its attachments);
    the post's id, or where to go."""
    fields = form.fields
    if fields.get("scheduled_at", "").strip():
        if has_files(form):
            raise Invalid("Post attachments now, or schedule a post without them.")
        await scheduled_posts.schedule(
            db, settings=page.settings, author=account,
            draft=_draft(fields, page.settings.poll_max_options),
            when=local_moment(fields["scheduled_at"], fields.get("tz_offset", "")))
        return page.redirect("/scheduled")
    max_options = page.settings.poll_max_options
    validate_draft(_draft(fields, max_options, (0,) if has_files(form) else ()), account,
                   page.settings)  # a refusal before any file is processed
    media_ids = await record_files(db, page.settings, account_id=account.id, form=form,
                                   stored=stored)
    post = await posts.create_post(db, settings=page.settings, author=account,
                                   draft=_draft(fields, max_options, media_ids))
    await spend_action(page.request, POSTS, account.id)
    return post.id


async def _draft_again(page: Page, draft: dict[str, str], *, error: str, status: int
                       ) -> Response:
    """The compose page again, with the draft and why it was not posted."""
    async with page.db.read() as db:
        return await compose_page(page, db, draft, error=error, status=status)


@router.post("/compose")
async def publish(page: PageApart) -> Response:
    """Post (or schedule) the form's post. The form is read, and the remote people it
    mentions looked up on their servers, before the write transaction begins: neither an
    upload arriving nor another server answering ever holds the database's writer."""
    account = page.require_account()
    async with compose_fields(page.request, page.settings) as form:
        fields = form.fields
        draft = {key: fields.get(key, "") for key in DRAFT_FIELDS}
        if not page.csrf_ok(fields.get("csrf")):
            return await _draft_again(page, draft, status=403,
                                      error="Your session expired. Your text is still here: "
                                            "post it again.")
        await look_up_mentions(page.request, fields.get("text", ""), page.settings.domain)
        stored: list[str] = []
        try:
            async with page.db.write() as db:
                done = await _post(page, db, account, form, stored)
        except ParleyError as exc:
            await processing.remove_files(page.settings, stored)
            return await _draft_again(page, draft, error=_message(exc),
                                      status=exc.status_code if isinstance(
                                          exc, NotFound | RateLimited) else 422)
    if isinstance(done, Response):
        return done
    target = safe_next(fields.get("next"), default=f"/@{account.acct}/{done}")
    return page.redirect(f"{target.split('#')[0]}#post-{done}")


ACTIONS = {"like", "unlike", "repost", "unrepost", "bookmark", "unbookmark", "delete",
           "revoke-quote"}


async def _act(page: Page, db: DbSession, action: str, post_id: int) -> None:
    account = page.require_account()
    if action == "like":
        await posts.like(db, actor_id=account.id, post_id=post_id)
    elif action == "unlike":
        await posts.unlike(db, actor_id=account.id, post_id=post_id)
    elif action == "repost":
        await posts.repost(db, settings=page.settings, actor=account, post_id=post_id)
        await spend_action(page.request, POSTS, account.id)
    elif action == "unrepost":
        await posts.unrepost(db, actor=account, post_id=post_id)
    elif action == "bookmark":
        await posts.bookmark(db, actor_id=account.id, post_id=post_id)
    elif action == "unbookmark":
        await posts.unbookmark(db, actor_id=account.id, post_id=post_id)
    elif action == "delete":
        await posts.delete_post(db, actor_id=account.id, post_id=post_id)
    elif action == "revoke-quote":  # the quoted author takes their post out of this quote
        quoting = await posts.get_post(db, post_id, viewer_id=account.id)
        await quotes.revoke_quote(db, actor_id=account.id, post_id=quoting.quote_of_id or 0,
                                  quoting_id=quoting.id)


@router.post("/posts/{post_id}/{action}")
async def act(post_id: str, action: str, page: PageContext, db: DbSession) -> Response:
    """One button on a post. htmx gets the post's refreshed action bar; a plain form post
    goes back where it came from."""
    account = page.require_account()
    fields = await form_fields(page.request)
    page.require_csrf(fields)
    parsed = parse_id(post_id)
    if parsed is None or action not in ACTIONS:
        raise NotFound()
    await _act(page, db, action, parsed)
    if page.is_htmx:
        if action == "delete":
            return page.render("_removed.html", message="Post deleted.")
        post = await posts.get_proper_post(db, parsed, viewer_id=account.id)
        view = await post_view(SessionSql(db), post.id, viewer_id=account.id)
        return page.render("_actions.html", p=view)
    return page.redirect(safe_next(fields.get("next"), default="/"))
