"""The /stats texts: a header and one short section at a time, numbers with their base.

Pure functions of the figures: labels (categories, levels, SRS items, the request's and the
visit form's lists) come in ready, so the texts can be checked without a bot. Everything
user-supplied (mentor names) and every label from content/ is escaped here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from bot.db.models import CaseStage
from bot.dialogs.meetings.board import visible_length
from bot.dialogs.widgets import shorten
from bot.i18n import N_
from bot.labels import CASE_STAGES
from bot.markup import escape
from bot.services.evidence_stats import DecisionsOutcome, LastingChange
from bot.services.stats import (
    CONCERN_TOTAL,
    AssessmentChange,
    CodeTotal,
    FamiliesFigures,
    MeetingsFigures,
    MentorsFigures,
    MentorVisits,
    Period,
    PlansFigures,
    ProgrammesFigures,
    Section,
    VisitWork,
)

Gettext = Callable[[str], str]
Label = Callable[[str], str]
# The label of a code in one of content's lists: (list, code) -> label, e.g. ("sources",
# "school") of content/intake.yaml or ("help", "social_contract") of content/visits.yaml.
ListLabel = Callable[[str, str], str]

TEXT_LIMIT = 3500  # Telegram allows 4096; the header and the window's lines need the rest
NAME_LIMIT = 40  # a mentor's name in the top and bottom lists
SRS_MAX_TOTAL = 40

SECTION_NAMES = {
    Section.MEETINGS: N_("Meetings"),
    Section.FAMILIES: N_("Families"),
    Section.MENTORS: N_("Mentors"),
    Section.PROGRAMMES: N_("Programmes"),
    Section.PLANS: N_("Plans"),
    Section.HELP: N_("Help given"),
}
NO_DATA = N_("No data for this period.")


def day(value: date) -> str:
    return value.strftime("%d.%m.%Y")


def period_text(period: Period) -> str:
    return f"{day(period.start)} – {day(period.end)}"


def decimal(value: float, locale: str) -> str:
    """One decimal, with the decimal comma Russian readers expect."""
    text = f"{value:.1f}"
    return text.replace(".", ",") if locale == "ru" else text


def percent(part: int, base: int) -> int:
    return int(part * 100 / base + 0.5)  # half up, unlike round()


def of(part: int, base: int, _: Gettext) -> str:
    """'12 of 40 (30 %)'; without a base just '0 of 0'."""
    text = _("{part} of {base}").format(part=part, base=base)
    return f"{text} ({percent(part, base)} %)" if base else text


def duration(minutes: float, _: Gettext) -> str:
    total = int(minutes + 0.5)
    if total < 60:
        return _("{minutes} min").format(minutes=total)
    if total % 60 == 0:
        return _("{hours} h").format(hours=total // 60)
    return _("{hours} h {minutes} min").format(hours=total // 60, minutes=total % 60)


def header(mode_title: str, period: Period, scope_label: str) -> str:
    lines = [f"<b>{escape(mode_title)}</b>", f"📅 {period_text(period)}"]
    if scope_label:
        lines.append(f"👥 {escape(scope_label)}")
    return "\n".join(lines)


def _title(section: Section, _: Gettext) -> str:
    return f"<b>{escape(_(SECTION_NAMES[section]))}</b>"


def _empty(section: Section, _: Gettext) -> str:
    return f"{_title(section, _)}\n{escape(_(NO_DATA))}"


def _breakdown(counts: dict[str, int], base: int, label: Label, _: Gettext) -> list[str]:
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [f"• {escape(label(code))}: {of(count, base, _)}" for code, count in ordered]


def fit(lines: list[str]) -> str:
    """Drop lines from the end (marking the cut) until the text fits the limit."""
    text = "\n".join(lines)
    while visible_length(text) > TEXT_LIMIT and len(lines) > 2:
        lines = [*lines[:-2], "…"]
        text = "\n".join(lines)
    return text


def meetings_text(
    f: MeetingsFigures,
    _: Gettext,
    locale: str,
    category: Label,
    srs_items: Sequence[tuple[str, str]],
    reasons: dict[str | None, int] | None = None,
    decisions: DecisionsOutcome | None = None,
    reason: Label | None = None,
) -> str:
    """srs_items: (code, short label) in the scale's order; `reasons` (meetings by reason
    code, None: not stated) are named by `reason`."""
    reasons = reasons or {}
    decisions = decisions or DecisionsOutcome()
    if f.empty and not reasons and decisions.empty:
        return _empty(Section.MEETINGS, _)
    lines = [
        _title(Section.MEETINGS, _),
        _("Meetings held: {n}").format(n=f.held),
        _("Families with a meeting: {share}").format(
            share=of(f.families_with_meetings, f.active_families, _)
        ),
        *_breakdown(f.families_by_category, f.families_with_meetings, category, _),
        "",
        _("People on the lists: {n}").format(n=f.participants),
        _("Invited: {share}").format(share=of(f.invited, f.participants, _)),
        _("Answered: {share}").format(share=of(f.answered, f.invited, _)),
        _("Accepted: {share}").format(share=of(f.accepted, f.invited, _)),
        _("Came to the held meetings: {share}").format(share=of(f.attended, f.attendance_base, _)),
        "",
        _("SRS responses: {n}").format(n=f.srs_responses),
    ]
    if f.srs_responses and f.srs_total_mean is not None:
        for code, label in srs_items:
            if code in f.srs_item_means:
                lines.append(f"• {escape(label)}: {decimal(f.srs_item_means[code], locale)}")
        lines.append(
            _("Mean total: {mean} of {max}").format(
                mean=decimal(f.srs_total_mean, locale), max=SRS_MAX_TOTAL
            )
        )
        lines.append(
            _("Totals under {threshold} (a signal): {share}").format(
                threshold=CONCERN_TOTAL, share=of(f.srs_under_concern, f.srs_responses, _)
            )
        )
    if f.maps_compared and f.supportive_change_mean is not None:
        change = f.supportive_change_mean
        lines += [
            "",
            _("Social maps: supportive ties changed by {change} per child on average").format(
                change=("+" if change > 0 else "") + decimal(change, locale)
            ),
            _("(first and last map in the period; children: {n})").format(n=f.maps_compared),
        ]
    lines += reason_lines(reasons, reason or (lambda code: code), _)
    lines += decision_lines(decisions, _)
    return fit(lines)


def reason_lines(counts: dict[str | None, int], label: Label, _: Gettext) -> list[str]:
    """Meetings of the period (not cancelled) by reason, most first, "not stated" last."""
    if not counts:
        return []
    base = sum(counts.values())
    stated = sorted(
        ((code, n) for code, n in counts.items() if code is not None),
        key=lambda kv: (-kv[1], kv[0]),
    )
    lines = [
        "",
        _("Meetings in the period by reason: {n}").format(n=base),
        *(f"• {escape(label(code))}: {of(n, base, _)}" for code, n in stated),
    ]
    if counts.get(None):
        lines.append(_("• not stated: {share}").format(share=of(counts[None], base, _)))
    return lines


def decision_lines(d: DecisionsOutcome, _: Gettext) -> list[str]:
    """Decisions taken in the period and what became of them."""
    if d.empty:
        return []
    return [
        "",
        _("Decisions taken in the period: {n}").format(n=d.taken),
        _("Carried out by their date: {share}").format(share=of(d.done_by_date, d.taken, _)),
        _("Carried out later: {share}").format(share=of(d.done_late, d.taken, _)),
        _("Marked not done: {share}").format(share=of(d.not_done, d.taken, _)),
        _("Still open: {share}").format(share=of(d.open, d.taken, _)),
        _("Of them overdue: {share}").format(share=of(d.overdue, d.open, _)),
    ]


def families_text(
    f: FamiliesFigures,
    _: Gettext,
    category: Label,
    level: Label,
    intake: ListLabel | None = None,
) -> str:
    """`intake` names the request's sources and difficulties (content/intake.yaml); without
    it those two breakdowns are left out rather than shown as codes."""
    if f.empty:
        return _empty(Section.FAMILIES, _)
    lines = [
        _title(Section.FAMILIES, _),
        _("Active families: {n}").format(n=f.active),
        _("New in the period: {n}").format(n=f.new),
        _("Taken off the register (situation improved): {n}").format(n=f.closed_improvement),
        _("Closed for other reasons: {n}").format(n=f.closed_other),
    ]
    if f.by_level:
        lines += ["", _("By support level:"), *_breakdown(f.by_level, f.active, level, _)]
    if f.by_category:
        lines += ["", _("By category:"), *_breakdown(f.by_category, f.active, category, _)]
    reach = f.reach
    lines += [
        "",
        _("Children reached: {n}").format(n=reach.children),
        _("Adults reached: {n}").format(n=reach.adults),
        _("Families with the make-up recorded: {share}").format(
            share=of(reach.families_with_makeup, reach.active, _)
        ),
    ]
    requests = f.requests
    lines += ["", _("Requests received in the period: {n}").format(n=requests.received)]
    if intake is not None and requests.by_source:
        lines += [
            _("How the families came:"),
            *_breakdown(requests.by_source, requests.received, lambda c: intake("sources", c), _),
        ]
    if intake is not None and requests.by_difficulty:
        lines += [
            _("Kinds of difficulty:"),
            *_breakdown(
                requests.by_difficulty,
                requests.received,
                lambda c: intake("difficulties", c),
                _,
            ),
        ]
    return fit(lines)


def _mentor_lines(rows: list[MentorVisits], _: Gettext) -> list[str]:
    return [
        _("{n}. {name}: {visits}").format(
            n=number, name=escape(shorten(row.name, NAME_LIMIT)), visits=row.visits
        )
        for number, row in enumerate(rows, 1)
    ]


def _code_totals(rows: list[CodeTotal], base: int, label: Label, _: Gettext) -> list[str]:
    return [
        _("• {label}: families {share}, visits {visits}").format(
            label=escape(label(row.code)), share=of(row.families, base, _), visits=row.visits
        )
        for row in rows
    ]


def mentors_text(f: MentorsFigures, _: Gettext, status: Label | None = None) -> str:
    """`status` names the registry's statuses (content/mentors.yaml)."""
    if f.empty and not f.by_status:
        return _empty(Section.MENTORS, _)
    lines = [
        _title(Section.MENTORS, _),
        _("Visits: {n}").format(n=f.visits),
        _("Mentors who visited: {share}").format(share=of(f.mentors_visiting, f.mentors, _)),
    ]
    if f.top:
        lines += ["", _("Most visits:"), *_mentor_lines(f.top, _)]
    if f.bottom:
        lines += ["", _("Fewest visits:"), *_mentor_lines(f.bottom, _)]
    lines += [
        "",
        _("Families without a visit in {days} days: {share}").format(
            days=f.no_visit_days, share=of(f.families_without_visit, f.open_families, _)
        ),
        _("Safety concerns raised: {n}").format(n=f.concerns_raised),
    ]
    if f.concerns_raised:
        lines.append(
            _("Acknowledged: {share}").format(
                share=of(f.concerns_acknowledged, f.concerns_raised, _)
            )
        )
    if f.median_ack_minutes is not None:
        lines.append(
            _("Median time to acknowledge: {time}").format(time=duration(f.median_ack_minutes, _))
        )
    if f.by_status:
        name = status or (lambda code: code)
        counts = ", ".join(f"{escape(name(code))} {n}" for code, n in f.by_status)
        lines += [
            "",
            _("Registry now: {counts}").format(counts=counts),
            _("Finished the course: {n}").format(n=f.training_completed),
            _("Hours of training: {hours}").format(hours=f"{f.training_minutes / 60:.1f}"),
        ]
    return fit(lines)


def help_text(f: VisitWork, _: Gettext, visits: ListLabel) -> str:
    """Help given and methods used on the period's visits: per kind, the families (of those
    visited) and the visits. `visits` names the codes (content/visits.yaml)."""
    if f.empty:
        return _empty(Section.HELP, _)
    lines = [
        _title(Section.HELP, _),
        _("Families visited: {n}").format(n=f.families_visited),
    ]
    if f.help:
        lines += [
            "",
            _("Help given:"),
            *_code_totals(f.help, f.families_visited, lambda c: visits("help", c), _),
        ]
    if f.methods:
        lines += [
            "",
            _("Methods used:"),
            *_code_totals(f.methods, f.families_visited, lambda c: visits("methods", c), _),
        ]
    return fit(lines)


def programmes_text(
    f: ProgrammesFigures, _: Gettext, locale: str, lasting: LastingChange | None = None
) -> str:
    lasting = lasting or LastingChange()
    if f.empty and lasting.empty:
        return _empty(Section.PROGRAMMES, _)
    lines = [
        _title(Section.PROGRAMMES, _),
        _("Enrolled in the period: {n}").format(n=f.enrolled),
        _("In a programme during the period: {n}").format(n=f.active),
        _("Completed: {n}").format(n=f.completed),
        _("Completed with positive dynamics: {share}").format(share=of(f.positive, f.completed, _)),
    ]
    if f.ratings and f.mean_rating is not None:
        lines.append(
            _("Mean self-rating of the week: {mean} of 10 ({n} ratings)").format(
                mean=decimal(f.mean_rating, locale), n=f.ratings
            )
        )
    if f.hand_in:
        lines += ["", _("Homework handed in, by week:")]
        lines += [
            _("Week {week}: {share}").format(
                week=row.week, share=of(row.handed_in, row.released, _)
            )
            for row in f.hand_in
        ]
    lines += lasting_lines(lasting, _)
    return fit(lines)


def lasting_lines(f: LastingChange, _: Gettext) -> list[str]:
    """Of the programmes completed with positive dynamics and followed up in the period, those
    whose change lasted; then per follow-up month."""
    if f.empty:
        return []
    return [
        "",
        _("Change kept at the follow-up: {share}").format(share=of(f.kept, f.followed, _)),
        _("(completed with positive dynamics, followed up in the period; latest follow-up)"),
        *(
            _("• after {months} months: {share}").format(
                months=row.months, share=of(row.kept, row.followed, _)
            )
            for row in f.by_months
        ),
    ]


def signed(value: float, locale: str) -> str:
    return ("+" if value > 0 else "") + decimal(value, locale)


def _assessment_lines(a: AssessmentChange, _: Gettext, locale: str) -> list[str]:
    if not a.families or a.intake_mean is None or a.final_mean is None:
        return []
    return [
        "",
        _("Assessment before → after (final in the period): families {n}").format(n=a.families),
        _("On average: {before} → {after} (change {change})").format(
            before=decimal(a.intake_mean, locale),
            after=decimal(a.final_mean, locale),
            change=signed(a.change_mean or 0.0, locale),
        ),
        _("Improved: {share}").format(share=of(a.improved, a.families, _)),
        _("Unchanged: {share}").format(share=of(a.unchanged, a.families, _)),
        _("Worse: {share}").format(share=of(a.worse, a.families, _)),
    ]


def plans_text(f: PlansFigures, _: Gettext, locale: str = "ru") -> str:
    """Figures only: never a task's words or a family's name."""
    if f.empty:
        return _empty(Section.PLANS, _)
    lines = [
        _title(Section.PLANS, _),
        _("Plan tasks due in the period: {n}").format(n=f.due),
        _("Done: {share}").format(share=of(f.done, f.due, _)),
        _("Not done: {share}").format(share=of(f.not_done, f.due, _)),
        _("Still open: {share}").format(share=of(f.open, f.due, _)),
        _("Of them overdue: {share}").format(share=of(f.overdue, f.open, _)),
        _("Families with a task due: {n}").format(n=f.families_due),
        "",
        _("Tasks added in the period: {n}").format(n=f.added),
        _("• from a visit: {share}").format(share=of(f.from_visits, f.added, _)),
        _("• from a network meeting's decision: {share}").format(
            share=of(f.from_decisions, f.added, _)
        ),
        "",
        _("Cases closed: {n}").format(n=f.closed),
        _("With a final meeting: {share}").format(
            share=of(f.closed_with_final_meeting, f.closed, _)
        ),
        _("Consilium reviews held: {n}").format(n=f.consiliums_held),
    ]
    if f.stages and f.open_families:
        lines += ["", _("Open cases now, by stage: {n}").format(n=f.open_families)]
        lines += [
            f"• {escape(_(name))}: {of(f.stages.get(stage.value, 0), f.open_families, _)}"
            for stage, name in CASE_STAGES.items()
            if stage is not CaseStage.CLOSED
        ]
        if f.consilium_overdue_families is not None:
            lines.append(
                _("Of them with a consilium review overdue: {share}").format(
                    share=of(f.consilium_overdue_families, f.open_families, _)
                )
            )
    lines += _assessment_lines(f.assessment, _, locale)
    return fit(lines)
