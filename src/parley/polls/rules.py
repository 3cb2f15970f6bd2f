"""What a poll may be, as Mastodon rules it: 2 to `max options` distinct options of at most
50 characters, open for 5 minutes to a month; what a ballot may be. Errors say what
Mastodon says (its English texts), as clients show them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from parley.errors import Invalid

MAX_OPTIONS = 4  # the default of Settings.poll_max_options
MAX_OPTION_CHARS = 50
MIN_EXPIRATION = timedelta(minutes=5)
MAX_EXPIRATION = timedelta(seconds=2_629_746)  # Mastodon's "1 month"
# A poll another server gives no end (Misskey's and Pleroma's may have none) is kept open
# until this time (polls.expires_at is never empty): no job closes it, its server's Update
# marking it closed does; clients are shown no end (Mastodon's null expires_at).
OPEN_ENDED = datetime(3000, 1, 1, tzinfo=UTC)
_TRUE = ("1", "true", "on", "t", "yes")
NO_DURATION = -1


@dataclass(frozen=True)
class PollSpec:
    """A poll as its author asks for it (on create, edit, or kept in a scheduled post)."""

    options: tuple[str, ...]
    expires_in: int
    multiple: bool = False
    hide_totals: bool = False

    def as_params(self) -> dict[str, Any]:
        """Mastodon's shape (ScheduledStatus params.poll), which poll_spec reads back."""
        return {"options": list(self.options), "expires_in": self.expires_in,
                "multiple": self.multiple, "hide_totals": self.hide_totals}


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in _TRUE
    return bool(value)


def _options(raw: Any) -> tuple[str, ...]:
    if isinstance(raw, dict):  # options[0]=a&options[1]=b: a form's indexed keys
        raw = [raw[key] for key in sorted(raw, key=lambda k: (len(str(k)), str(k)))]
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise Invalid("Validation failed: Poll options must be a list of texts")
    return tuple(raw)


def _expires_in(raw: Any) -> int:
    """Seconds; NO_DURATION when none was given, or when it is not a whole number."""
    if raw is None or isinstance(raw, bool) or str(raw).strip() == "":
        return NO_DURATION
    try:
        return int(str(raw).strip())
    except ValueError:
        return NO_DURATION


def poll_spec(raw: Any, *, max_options: int = MAX_OPTIONS) -> PollSpec | None:
    """The poll of a request's `poll` parameter (None when there is none), checked; Invalid
    with every broken rule named, as Mastodon lists them."""
    if raw is None or raw == "" or raw == {}:
        return None
    if not isinstance(raw, dict):
        raise Invalid("Validation failed: Poll must be an object")
    spec = PollSpec(options=_options(raw.get("options", [])),
                    expires_in=_expires_in(raw.get("expires_in")),
                    multiple=_flag(raw.get("multiple", False)),
                    hide_totals=_flag(raw.get("hide_totals", False)))
    errors = problems(spec, max_options=max_options)
    if errors:
        raise Invalid("Validation failed: " + ", ".join(errors))
    return spec


def problems(spec: PollSpec, *, max_options: int) -> list[str]:
    """Every rule the poll breaks, in Mastodon's words (empty: a valid poll)."""
    errors: list[str] = []
    options = spec.options
    if len(options) < 2:
        errors.append("Poll options must have more than one item")
    if len(options) > max_options:
        errors.append(f"Poll options can't contain more than {max_options} items")
    if any(len(option) > MAX_OPTION_CHARS for option in options):
        errors.append(f"Poll options cannot be longer than {MAX_OPTION_CHARS} characters each")
    if any(not option.strip() for option in options):
        errors.append("Poll options can't be blank")
    if len(set(options)) != len(options):
        errors.append("Poll options contain duplicate items")
    if spec.expires_in == NO_DURATION:
        errors.append("Poll expires in can't be blank")
    elif spec.expires_in > MAX_EXPIRATION.total_seconds():
        errors.append("Poll expires at is too far into the future")
    elif spec.expires_in < MIN_EXPIRATION.total_seconds():
        errors.append("Poll expires at is too soon")
    return errors


def ballot_problems(*, choices: list[int], option_count: int, multiple: bool,
                    expired: bool, own: bool, voted: bool) -> list[str]:
    """Why a ballot is refused, in Mastodon's order and words (empty: it counts).

    Mastodon records one vote per choice and checks each: a second choice in a
    single-choice poll, or a choice named twice, is "already voted"."""
    errors: list[str] = []
    if expired:
        errors.append("The poll has already ended")
    if any(choice < 0 or choice >= option_count for choice in choices):
        errors.append("The chosen vote option does not exist")
    if own:
        errors.append("You cannot vote in your own polls")
    repeated = len(set(choices)) != len(choices) or (not multiple and len(choices) > 1)
    if voted or repeated:
        errors.append("You have already voted on this poll")
    return errors
