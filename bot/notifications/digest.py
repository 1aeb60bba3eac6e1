"""The coordinators' weekly digest."""

from __future__ import annotations

import html
import re
from datetime import date
from typing import Any

from bot.delivery.render import Outgoing, Translator, message_kind
from bot.markup import escape
from bot.services.digest import KIND

TEXT_LIMIT = 4000  # Telegram allows 4096 visible characters; the capped lists stay well below


def visible_length(text: str) -> int:
    """Characters Telegram counts: the text after its HTML markup is parsed."""
    return len(html.unescape(re.sub(r"<[^>]+>", "", text)))


def _date(iso: str | None) -> str:
    return date.fromisoformat(iso).strftime("%d.%m.%Y") if iso else ""


def _section(
    t: Translator, title: str, items: list[list[Any]], count: int, item_line: str, never: str
) -> list[str]:
    lines = [f"<b>{title}</b>"]
    for name, day in items:
        name = escape(name)
        lines.append(
            item_line.format(name=name, date=_date(day)) if day else never.format(name=name)
        )
    more = count - len(items)
    if more > 0:
        lines.append(t.gettext("…and {count} more").format(count=more))
    return lines


@message_kind(KIND)
def weekly_digest(params: dict[str, Any], t: Translator) -> Outgoing:
    days = int(params["days"])
    lines = [
        t.gettext("📋 <b>Weekly digest</b> · {date}").format(date=_date(params["today"])),
        "",
    ]
    lines += _section(
        t,
        t.gettext("Mentors with no visit in {days} days: {count} of {total}").format(
            days=days, count=params["mentors_idle"], total=params["mentors_total"]
        ),
        params["mentors"],
        params["mentors_idle"],
        t.gettext("• {name}: last visit {date}"),
        t.gettext("• {name}: no visits yet"),
    )
    lines.append("")
    lines += _section(
        t,
        t.gettext("Families with no visit in {days} days: {count} of {total}").format(
            days=days, count=params["families_idle"], total=params["families_total"]
        ),
        params["families"],
        params["families_idle"],
        t.gettext("• {name}: last visit {date}"),
        t.gettext("• {name}: no visits yet"),
    )
    lines.append("")
    lines += _section(
        t,
        t.gettext("Safety concerns nobody has taken on: {count}").format(
            count=params["concerns_open"]
        ),
        params["concerns"],
        params["concerns_open"],
        t.gettext("• {name}: visit on {date}"),
        "• {name}",
    )
    lines.append(
        t.gettext("Raised in the last {days} days: {count}.").format(
            days=days, count=params["concerns_recent"]
        )
    )
    if "plan_overdue" in params:  # digests queued before plans existed have no such section
        lines.append("")
        lines += _section(
            t,
            t.gettext("Plan tasks past their deadline: {count}").format(
                count=params["plan_overdue"]
            ),
            params["plan"],
            params["plan_overdue"],
            t.gettext("• {name}: deadline {date}"),
            "• {name}",
        )
    text = "\n".join(lines)
    while visible_length(text) > TEXT_LIMIT and len(lines) > 2:  # cannot happen with the
        lines = [*lines[:-2], "…"]  # capped lists; whole lines go, as tags never span lines
        text = "\n".join(lines)
    return Outgoing(text=text)
