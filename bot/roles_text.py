"""Role names, help blocks and the command list, per role; translated by the caller's gettext."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.db.models import Role
from bot.i18n import N_

Gettext = Callable[[str], str]


ROLE_NAMES = {
    Role.COORDINATOR: N_("coordinator"),
    Role.MENTOR: N_("mentor"),
    Role.PARENT: N_("parent"),
    Role.PARTICIPANT: N_("network meeting participant"),
}

HELP_BLOCKS = {
    Role.COORDINATOR: N_(
        "<b>As a coordinator</b>\n"
        "/invite — invite a coordinator, a mentor or a parent\n"
        "/invitations — open invitations; revoke one\n"
        "/families — the families of the service: a family's card, its mentors and curator, "
        "closing a case; add a family\n"
        "/meetings — network meetings: plan one, its participants, invitations and answers\n"
        "/mentors — the mentors' registry: statuses, caseload, visits, training\n"
        "/map — a child's social map: who is around the child, how close; compare two dates\n"
        "/plan — families' support plans: tasks, deadlines, progress\n"
        "/case — a family's case: the request, the make-up, the assessment, documents\n"
        "/stats — figures for a period: meetings, families, mentors, programmes\n"
        "/report — the indicator report for a period (XLSX)\n"
        "/export — all data of a period as an XLSX workbook\n"
        "/charts — charts: visits, SRS, homework, families\n"
        "/deliveries — messages the bot could not deliver, and why"
    ),
    Role.MENTOR: N_(
        "<b>As a mentor</b>\n"
        "/visit — record a visit to a family (about a minute)\n"
        "/myvisits — your recorded visits; change one within 48 hours\n"
        "/plan — your families' support plans: tasks, deadlines, progress\n"
        "/case — your families' cases: the request and the family's make-up\n"
        "/learn — the mentors' course, materials, and where to turn in a hard moment"
    ),
    Role.PARENT: N_(
        "<b>For your family</b>\n"
        "Messages from your coordinator and mentor will come here. "
        "You can answer with text, a voice message or a photo — whatever is easier.\n"
        "/progress — your family's programme: which weeks are done and what is next"
    ),
    Role.PARTICIPANT: N_(
        "<b>Network meeting</b>\nInvitations and reminders about the meeting come here."
    ),
}

COMMON_HELP = N_(
    "<b>Always available</b>\n"
    "/start — main menu\n"
    "/me — what the bot keeps about you\n"
    "/mydata — download your data or withdraw your consent\n"
    "/language — change the language\n"
    "/cancel — stop the current step\n"
    "/help — this help"
)


@dataclass(frozen=True)
class CommandSpec:
    command: str
    description: str
    roles: frozenset[Role] | None  # None: everyone who has joined


COMMANDS = (
    CommandSpec("start", N_("Main menu"), None),
    CommandSpec("invite", N_("Invite a person"), frozenset({Role.COORDINATOR})),
    CommandSpec("invitations", N_("Open invitations"), frozenset({Role.COORDINATOR})),
    CommandSpec("families", N_("Families"), frozenset({Role.COORDINATOR})),
    CommandSpec("meetings", N_("Network meetings"), frozenset({Role.COORDINATOR})),
    CommandSpec("mentors", N_("Mentors' registry"), frozenset({Role.COORDINATOR})),
    CommandSpec("map", N_("A child's social map"), frozenset({Role.COORDINATOR})),
    CommandSpec("stats", N_("Figures for a period"), frozenset({Role.COORDINATOR})),
    CommandSpec("report", N_("Indicator report (XLSX)"), frozenset({Role.COORDINATOR})),
    CommandSpec("export", N_("Export data (XLSX)"), frozenset({Role.COORDINATOR})),
    CommandSpec("charts", N_("Charts"), frozenset({Role.COORDINATOR})),
    CommandSpec("deliveries", N_("Undelivered messages"), frozenset({Role.COORDINATOR})),
    CommandSpec("visit", N_("Record a visit"), frozenset({Role.MENTOR})),
    CommandSpec("myvisits", N_("My visits"), frozenset({Role.MENTOR})),
    CommandSpec("programmes", N_("Family programmes"), frozenset({Role.COORDINATOR, Role.MENTOR})),
    CommandSpec("plan", N_("Support plans"), frozenset({Role.COORDINATOR, Role.MENTOR})),
    CommandSpec("case", N_("Family cases"), frozenset({Role.COORDINATOR, Role.MENTOR})),
    CommandSpec("learn", N_("Mentors' course"), frozenset({Role.COORDINATOR, Role.MENTOR})),
    CommandSpec("progress", N_("Our programme"), frozenset({Role.PARENT})),
    CommandSpec("me", N_("My data"), None),
    CommandSpec("mydata", N_("Download my data or withdraw consent"), None),
    CommandSpec("language", N_("Language"), None),
    CommandSpec("cancel", N_("Stop the current step"), None),
    CommandSpec("help", N_("Help"), None),
)

STRANGER_COMMANDS = (
    CommandSpec("start", N_("What this bot is"), None),
    CommandSpec("help", N_("Help"), None),
)


def ordered_roles(roles: Iterable[str]) -> list[Role]:
    present = set(roles)
    return [role for role in Role if role.value in present]


def role_names(roles: Iterable[str], _: Gettext) -> str:
    return ", ".join(_(ROLE_NAMES[role]) for role in ordered_roles(roles))


def help_text(roles: Iterable[str], _: Gettext) -> str:
    blocks = [_(HELP_BLOCKS[role]) for role in ordered_roles(roles)]
    return "\n\n".join([*blocks, _(COMMON_HELP)])


def commands_for(roles: Iterable[str]) -> list[CommandSpec]:
    present = set(ordered_roles(roles))
    return [spec for spec in COMMANDS if spec.roles is None or spec.roles & present]
