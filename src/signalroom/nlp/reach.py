"""Reach: an estimate of how many people saw a post, from what every source gives us.

Platforms do not tell third parties how many people saw a post, so reach is a model, and
this module is where it is written down. It is deliberately simple, linear and monotone
(more followers or more engagement never means less reach), so a person reading a chart
can reason about it. Pure: no I/O, never raises.
"""

from __future__ import annotations

from signalroom.models import Engagement

REPOST_AUDIENCE = 50
"""People reached per repost. A repost puts the post in front of the reposter's followers.
We do not know who reposted, so we assume a typical account: the median follower count of
active accounts on Twitter-like networks is in the tens (most accounts are small; a few
huge ones dominate the mean, and would make every repost look like a broadcast). Their
followers also overlap with the author's and with each other's, which a median already
discounts. 50 is the round figure in that range."""

QUOTE_AUDIENCE = 50
"""People reached per quote: a quote is a new post that embeds this one, shown to the
quoter's followers exactly like a repost, so it gets the same typical audience."""

REPLY_AUDIENCE = 5
"""People reached per reply: a reply shows the post in a thread, which the replier's
followers see only when they open it or also follow the author, so a tenth of a repost."""

LIKE_AUDIENCE = 1
"""People reached per like: at least the person who liked it, who had to see it. Likes also
feed "popular with friends" style feeds, but too weakly and unevenly to count on."""

MAX_REACH = 2**53 - 1
"""Reach is capped at the largest integer a browser's JSON number holds exactly."""


def compute_reach(followers: int, engagement: Engagement) -> int:
    """Estimated number of people who saw the post.

    ``followers`` (the author's direct audience) plus the audiences the post was amplified
    to: ``50`` per repost, ``50`` per quote, ``5`` per reply, ``1`` per like (see the
    constants of this module for why). Negative counts, which only a broken source sends,
    count as zero. A source without follower counts (RSS, news) gets the amplification
    alone, which may be 0. Monotone non-decreasing in every input; capped at ``MAX_REACH``.
    """
    total = (
        max(followers, 0)
        + REPOST_AUDIENCE * max(engagement.reposts, 0)
        + QUOTE_AUDIENCE * max(engagement.quotes, 0)
        + REPLY_AUDIENCE * max(engagement.replies, 0)
        + LIKE_AUDIENCE * max(engagement.likes, 0)
    )
    return min(total, MAX_REACH)
