"""The demo conversation that `parley run --demo` and `parley demo` load.

Everything is made through the real domain services, so counters, mentions, notifications
and fan-out jobs are exactly what people using the server would produce.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley import domains
from parley.accounts.models import Account
from parley.accounts.service import create_local_account
from parley.config import Settings
from parley.posts.models import Post
from parley.posts.service import Draft, create_post, like, repost
from parley.social.service import FollowOptions, follow
from parley.store.database import Database

DEMO_PASSWORD = "parley-demo"
EMAIL_DOMAIN = "demo.parley.example"


@dataclass(frozen=True)
class Person:
    username: str
    display_name: str
    note: str


PEOPLE = (
    Person("alice", "Alice Park", "Asks small questions, gets big answers. Bread, bikes, "
           "and badly drawn maps."),
    Person("bob", "Bob Okafor", "Line cook by night, reply guy by day. Opinions on knives."),
    Person("carol", "Carol Jiménez", "Ceramicist. I will tell you about cast iron whether "
           "or not you asked."),
    Person("dave", "Dave Lindqvist", "Mostly lurking. Occasionally reposting the good stuff."),
)
# (who follows, whom): everyone hears alice; bob and carol hear each other.
FOLLOWS = (
    ("bob", "alice"), ("carol", "alice"), ("dave", "alice"), ("alice", "bob"),
    ("alice", "carol"), ("bob", "carol"), ("carol", "bob"), ("dave", "bob"),
)


def _summary(settings: Settings, *, loaded: bool) -> str:
    state = "Demo conversation loaded." if loaded else "Demo data is already there."
    others = ", ".join(p.username for p in PEOPLE[1:])
    return (f"{state}\n  Open {settings.base_url} and sign in as alice "
            f"(e-mail alice@{EMAIL_DOMAIN}) with password {DEMO_PASSWORD!r}.\n"
            f"  The other demo people ({others}) use the same password.")


async def _create_people(session: AsyncSession, settings: Settings) -> dict[str, Account]:
    people: dict[str, Account] = {}
    for person in PEOPLE:
        people[person.username] = await create_local_account(
            session, settings, username=person.username,
            email=f"{person.username}@{EMAIL_DOMAIN}", password=DEMO_PASSWORD,
            display_name=person.display_name, note=person.note)
    for follower, target in FOLLOWS:
        await follow(session, actor=people[follower], target=people[target],
                     options=FollowOptions(source="profile"))
    return people


async def _converse(session: AsyncSession, settings: Settings, people: dict[str, Account]
                    ) -> None:
    """A one-line question, a reply, then a three-way exchange among alice, bob and carol."""

    async def say(who: str, text: str, reply_to: Post | None = None) -> Post:
        draft = Draft(text=text, visibility="public",
                      in_reply_to_id=reply_to.id if reply_to else None)
        return await create_post(session, settings=settings, author=people[who], draft=draft)

    root = await say("alice", "Which one kitchen tool would you save from a fire? #kitchen")
    knife = await say("bob", "@alice A good chef's knife. Everything else is optional.", root)
    pan = await say("carol", "@bob @alice A cast iron pan. It survives the fire anyway, "
                    "so really I'm saving two things.", knife)
    await say("bob", "@carol @alice Fair, but you can't julienne with a pan.", pan)
    settled = await say("alice", "@bob @carol So: a knife to cut, a pan to cook. "
                        "Dinner at mine on Friday?", pan)
    await say("carol", "@alice @bob I'll bring the pan.", settled)
    await say("dave", "Reading this thread instead of cooking. Worth it.")
    await repost(session, settings=settings, actor=people["dave"], post_id=root.id)
    await like(session, actor_id=people["carol"].id, post_id=root.id)
    await like(session, actor_id=people["alice"].id, post_id=pan.id)
    await like(session, actor_id=people["bob"].id, post_id=settled.id)


async def load_demo(settings: Settings) -> str:
    """Create the demo accounts and conversation unless present; returns a summary to print.

    The database must already be migrated (the CLI does that first).
    """
    domains.install()  # the demo's posts, likes and follows notify and fan out
    db = Database(settings.resolved_database_url)
    try:
        async with db.write() as session:
            present = await session.scalar(
                select(Account.id).where(Account.acct_key == PEOPLE[0].username))
            if present is not None:
                return _summary(settings, loaded=False)
            people = await _create_people(session, settings)
            await _converse(session, settings, people)
        await domains.new_worker(db, settings).drain()  # home timelines filled before anyone looks
    finally:
        await db.dispose()
    return _summary(settings, loaded=True)
