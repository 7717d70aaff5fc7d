"""What an AI crawler's user agent may be. It is written into the published robots.txt as
"User-agent: <value>", so anything but one token would let the value add lines of its own: a
newline followed by "Disallow: /" or "User-agent: *" changes what every crawler is told.

The rule is RFC 9309 §2.2.1's product token (letters, "-" and "_"), plus digits, which real
crawler names use (AI2Bot). The model's field validator (`validate_user_agent`) checks it whenever
a crawler is cleaned, from the admin or anywhere else, and the robots.txt writer
(warnings_app/reports/reservations.py) checks it again for values already stored."""

import re

from django.core.exceptions import ValidationError

USER_AGENT_MAX = 100  # AICrawler.user_agent's max_length
_TOKEN = re.compile(r"[A-Za-z0-9_-]+")


def user_agent_problem(user_agent: str) -> str | None:
    """Why `user_agent` cannot be named in robots.txt, or None when it can."""
    if not user_agent:
        return "a user agent is required"
    if len(user_agent) > USER_AGENT_MAX:
        return f"a user agent is at most {USER_AGENT_MAX} characters"
    if not _TOKEN.fullmatch(user_agent):
        return (
            "a user agent must be one robots.txt product token: letters, digits, “-” and “_” "
            "only, with no spaces, line breaks or other characters (e.g. GPTBot)"
        )
    return None


def is_user_agent(user_agent: str) -> bool:
    return user_agent_problem(user_agent) is None


def validate_user_agent(user_agent: str) -> None:
    """AICrawler.user_agent's validator: raises ValidationError with the rule's wording."""
    if problem := user_agent_problem(user_agent):
        raise ValidationError(problem, code="user_agent")
