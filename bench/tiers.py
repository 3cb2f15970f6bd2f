"""Benchmark tiers: how big each synthetic network is and which accounts are planted in it."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Tier:
    """The shape of one synthetic network.

    `celebrities` are extra accounts followed by exactly that many users; `probes` are extra
    accounts that follow exactly that many others (home cost vs followees). `active` users
    (plus every planted account) get a bearer token and a precomputed home timeline.
    """

    name: str
    users: int
    posts: int
    follow_median: float = 30.0
    follow_sigma: float = 0.97  # mean = median * e^(sigma^2 / 2) ~ 48 follows per user
    zipf_s: float = 0.9
    celebrities: tuple[int, ...] = (100_000, 10_000, 1_000, 10)
    probes: tuple[int, ...] = (10, 100, 1_000, 5_000, 10_000, 20_000)
    conversations: int = 1_000
    conversation_length: int = 30
    reply_share: float = 0.2
    mention_share: float = 0.05
    active: int = 10_000
    home_cap: int = 800
    celebrity_posts: int = 100
    days: int = 30

    def with_posts(self, posts: int) -> Tier:
        return replace(self, posts=posts)


TIERS: dict[str, Tier] = {
    # A few seconds end to end: the CI smoke run and the harness's own test.
    "XS": Tier("XS", users=1_500, posts=15_000, celebrities=(1_000, 100, 10),
               probes=(10, 100, 500), conversations=10, active=200, celebrity_posts=20),
    # CI-sized.
    "S": Tier("S", users=10_000, posts=100_000, celebrities=(10_000, 1_000, 100, 10),
              probes=(10, 100, 1_000, 5_000), conversations=100, active=2_000,
              celebrity_posts=50),
    "M": Tier("M", users=100_000, posts=1_000_000),
    "L": Tier("L", users=250_000, posts=2_500_000, active=20_000),
}


def tier_named(name: str) -> Tier:
    try:
        return TIERS[name.upper()]
    except KeyError:
        raise ValueError(f"unknown tier {name!r}; choose one of {', '.join(TIERS)}") from None
