"""The home page's to-do list: for each role the person holds, what waits for them, each a
count of one work-queue section (with a filter) and the link to exactly those rows. The counts
come from the queue's own queries, so a number and the page it opens always agree."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils import timezone

from warnings_app.domain.roles import LEGAL, MANAGER, PARALEGAL
from warnings_app.selectors.licence_matters import matters_next_step_due
from warnings_app.selectors.licence_pages import open_flags, open_reminders
from warnings_app.selectors.queue_filters import QueueFilter, queue_rows

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@dataclass(frozen=True)
class Todo:
    key: str
    label: str
    count: int
    url: str


@dataclass(frozen=True)
class RoleTodos:
    role: str
    title: str
    items: list[Todo]


# (key, section, only mine, label) per role, in the order the role works through them.
_LISTS: dict[str, tuple[str, list[tuple[str, str, bool, str]]]] = {
    LEGAL: (
        "Letters and deliveries waiting for Legal",
        [
            ("letters_to_approve", "to_approve", False, "campaign letters to approve"),
            ("reminders_to_approve", "approval", False, "reminders to approve"),
            ("reconciliations", "reconciliation", False, "deliveries to reconcile"),
            ("failures", "failed", False, "failed deliveries"),
        ],
    ),
    PARALEGAL: (
        "Replies and deadlines",
        [
            ("my_replies", "unclassified", True, "replies assigned to you to classify"),
            ("replies", "unclassified", False, "replies to classify, everyone's"),
            ("triage", "triage", False, "messages to tie to a letter"),
            ("bounces", "bounced", False, "bounced letters"),
            ("deadlines", "due_week", False, "reply-by dates this week, still unanswered"),
        ],
    ),
    MANAGER: (
        "Headline figures",
        [
            ("overdue", "overdue", False, "matters overdue, no reply (the dashboard's figure)"),
            ("replies", "unclassified", False, "replies waiting to be classified"),
            ("letters_to_approve", "to_approve", False, "campaign letters waiting for approval"),
            ("failures", "failed", False, "failed deliveries"),
        ],
    ),
}


def home_todos(user: "User", roles: list[str]) -> list[RoleTodos]:
    """One list per role the user holds (Legal, Paralegal, Manager; Admin has none)."""
    queue = reverse("work_queue")
    lists = []
    for role in roles:
        if role not in _LISTS:
            continue
        title, items = _LISTS[role]
        todos = []
        for key, section, mine, label in items:
            chosen = QueueFilter(section=section, mine=mine)
            count = queue_rows(section, chosen, user).count()
            todos.append(Todo(key, label, count, f"{queue}?{chosen.query(section)}"))
        if role in TALKS_ROLES and user.has_perm("warnings_app.view_licencematter"):
            todos.append(_talks_due())
        lists.append(RoleTodos(role, title, todos))
    return lists + licence_todos(roles)


def licence_todos(roles: list[str]) -> list[RoleTodos]:
    """Licences waiting for someone: flags for Legal to resolve, reminders for Legal and
    Paralegal to act on, each counted with the to-do page's own query."""
    page = reverse("licence_todos")
    reminders = Todo(
        "licence_reminders",
        "licence reminders: ends, reports due, expiries",
        open_reminders().count(),
        f"{page}?section=reminders",
    )
    if LEGAL in roles:
        flags = Todo(
            "licence_flags",
            "licences to review: an artist reserved works they include",
            open_flags().count(),
            f"{page}?section=flags",
        )
        return [RoleTodos(LEGAL, "Licences", [flags, reminders])]
    if PARALEGAL in roles:
        return [RoleTodos(PARALEGAL, "Licences", [reminders])]
    return []


# Roles that take licence talks forward: their list ends with the talks whose next step is due.
TALKS_ROLES = (LEGAL, PARALEGAL)


def _talks_due() -> Todo:
    """The licence talks list's "Next step due" section: the same query, so the same number."""
    count = matters_next_step_due(timezone.localdate()).count()
    url = f"{reverse('licence_matter_list')}?section=due"
    return Todo("talks_due", "licence talks with a next step due", count, url)
