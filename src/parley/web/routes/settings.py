"""Settings: the profile (names, bio, fields, images, locked, discoverable), the password,
and the apps signed in to the account (each can be revoked)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.datastructures import UploadFile
from starlette.responses import Response

from parley.accounts import images, sessions
from parley.accounts import service as accounts
from parley.accounts.models import Account
from parley.errors import Invalid
from parley.http.deps import DbSession
from parley.lib.ids import parse_id
from parley.oauth import service as oauth
from parley.web.forms import checked, form_fields, form_files
from parley.web.render import Page, PageContext
from parley.web.routing import WebRoute

router = APIRouter(route_class=WebRoute)
FIELD_ROWS = accounts.MAX_FIELDS


def profile_values(account: Account) -> dict[str, str]:
    values = {"display_name": account.display_name, "note": account.note_source,
              "locked": "on" if account.locked else "",
              "discoverable": "on" if account.discoverable else ""}
    for index in range(FIELD_ROWS):
        field = account.fields[index] if index < len(account.fields or []) else {}
        values[f"field_name_{index}"] = str(field.get("name", ""))
        values[f"field_value_{index}"] = str(field.get("value", ""))
    return values


def profile_form(page: Page, values: dict[str, str], *, error: str | None = None,
                 saved: bool = False, status: int = 200) -> Response:
    return page.render("settings_profile.html", values=values, error=error, saved=saved,
                       rows=range(FIELD_ROWS), status=status)


@router.get("/settings")
@router.get("/settings/profile")
async def profile(page: PageContext) -> Response:
    account = page.require_account()
    saved = page.request.query_params.get("saved") == "1"
    return profile_form(page, profile_values(account), saved=saved)


def _changes(fields: dict[str, str]) -> accounts.ProfileChanges:
    rows = [{"name": fields.get(f"field_name_{i}", "").strip(),
             "value": fields.get(f"field_value_{i}", "").strip()} for i in range(FIELD_ROWS)]
    return accounts.ProfileChanges(
        display_name=fields.get("display_name", "").strip(), note=fields.get("note", ""),
        locked=checked(fields, "locked"), discoverable=checked(fields, "discoverable"),
        fields=[row for row in rows if row["name"] or row["value"]])


async def _store_images(page: Page, db: DbSession, account: Account,
                        files: dict[str, UploadFile]) -> Account:
    for name, kind in (("avatar", images.AVATAR), ("header", images.HEADER)):
        upload = files.get(name)
        if upload is not None:
            data = await upload.read(images.MAX_UPLOAD_BYTES + 1)
            account = await images.store_profile_image(db, page.settings, account, kind=kind,
                                                       data=data)
    return account


@router.post("/settings/profile")
async def save_profile(page: PageContext, db: DbSession) -> Response:
    account = page.require_account()
    fields, files = await form_fields(page.request), await form_files(page.request)
    values = {key: fields.get(key, "") for key in profile_values(account)}
    if not page.csrf_ok(fields.get("csrf")):
        return profile_form(page, values, status=403,
                            error="Your session expired. Your changes are still here: save again.")
    try:
        async with db.begin_nested():
            account = await accounts.update_profile(db, account, _changes(fields))
            await _store_images(page, db, account, files)
    except Invalid as exc:
        # The savepoint's rollback expired the signed-in account the page shows: load it
        # again here (the template cannot: it does no I/O).
        await db.refresh(page.require_account())
        return profile_form(page, values, status=422,
                            error=exc.message.removeprefix("Validation failed: ").capitalize())
    return page.redirect("/settings/profile?saved=1")


@router.get("/settings/password")
async def password(page: PageContext) -> Response:
    page.require_account()
    saved = page.request.query_params.get("saved") == "1"
    return page.render("settings_password.html", error=None, saved=saved)


@router.post("/settings/password")
async def change_password(page: PageContext, db: DbSession) -> Response:
    account = page.require_account()
    fields = await form_fields(page.request)
    page.require_csrf(fields)
    error = None
    if fields.get("new_password", "") != fields.get("new_password_confirmation", ""):
        error = "The two new passwords do not match."
    else:
        try:
            async with db.begin_nested():
                await accounts.change_password(db, account_id=account.id,
                                               current=fields.get("current_password", ""),
                                               new=fields.get("new_password", ""))
        except Invalid as exc:
            error = exc.message.removeprefix("Validation failed: ").capitalize()
    if error is not None:
        return page.render("settings_password.html", error=error, saved=False, status=422)
    # A changed password ends every other session and, unless kept on purpose, every app's
    # access: whoever knew the old one is out. This session goes on under a fresh id.
    await sessions.end_other_sessions(db, account_id=account.id, keep_sid=None)
    if fields.get("keep_apps") != "1":
        await oauth.revoke_all_tokens(db, account_id=account.id)
    await page.sign_in(db, account)
    return page.redirect("/settings/password?saved=1")


@router.get("/settings/sessions")
async def session_list(page: PageContext, db: DbSession) -> Response:
    account = page.require_account()
    current = page.session.sid if page.session else None
    found = await sessions.list_sessions(db, account_id=account.id)
    return page.render("settings_sessions.html", sessions=[
        (record, sessions.is_current(record, current)) for record in found],
        ended=page.request.query_params.get("ended") == "1")


@router.post("/settings/sessions/end_others")
async def end_other_sessions(page: PageContext, db: DbSession) -> Response:
    account = page.require_account()
    page.require_csrf(await form_fields(page.request))
    await sessions.end_other_sessions(db, account_id=account.id,
                                      keep_sid=page.session.sid if page.session else None)
    return page.redirect("/settings/sessions?ended=1")


@router.get("/settings/apps")
async def apps(page: PageContext, db: DbSession) -> Response:
    account = page.require_account()
    return page.render("settings_apps.html",
                       apps=await oauth.authorized_apps(db, account_id=account.id))


@router.post("/settings/apps/{application_id}/revoke")
async def revoke(application_id: str, page: PageContext, db: DbSession) -> Response:
    account = page.require_account()
    fields = await form_fields(page.request)
    page.require_csrf(fields)
    await oauth.revoke_app(db, account_id=account.id, application_id=parse_id(application_id) or 0)
    return page.redirect("/settings/apps")
