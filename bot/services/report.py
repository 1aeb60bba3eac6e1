"""/report: the service's indicator report for a period, one XLSX sheet in the shape it is sent
upward in: a title, then sections of "indicator | value | base or notes" rows. The figures come
from the /stats sections, so the report and /stats never disagree."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bot.content import Content
from bot.db.repositories import people as people_repo
from bot.labels import CASE_STAGES
from bot.services import evidence_stats, stats
from bot.services.access import Action, Actor, authorize
from bot.services.evidence_stats import (
    ClosedImprovement,
    DecisionsOutcome,
    LastingChange,
    meeting_reason_label,
)
from bot.services.stats import (
    CONCERN_TOTAL,
    CodeTotal,
    FamiliesFigures,
    Period,
    PlansFigures,
    Scope,
    VisitWork,
)

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

Gettext = Callable[[str], str]


class Kind(StrEnum):
    COUNT = "count"
    PERCENT = "percent"
    MEAN = "mean"


NUMBER_FORMATS = {Kind.COUNT: "0", Kind.PERCENT: "0.0%", Kind.MEAN: "0.0"}


@dataclass(frozen=True)
class Row:
    label: str
    value: int | float | None  # None: nothing to average or to share
    note: str = ""
    kind: Kind = Kind.COUNT
    indent: bool = False  # a breakdown of the row above


@dataclass(frozen=True)
class Section:
    title: str
    rows: list[Row]


@dataclass(frozen=True)
class Report:
    title: str
    period: str  # "01.11.2026 – 30.11.2026"
    scope: str  # "" for the whole service
    sections: list[Section] = field(default_factory=list)
    empty: bool = False

    def value(self, label: str) -> int | float | None:
        """The value of the row with this label (tests and callers read figures by label)."""
        for section in self.sections:
            for row in section.rows:
                if row.label == label:
                    return row.value
        raise KeyError(label)


def local_day(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


async def build(
    session: AsyncSession,
    actor: Actor,
    period: Period,
    scope: Scope,
    *,
    today: date,
    content: Content,
    locale: str,
    gettext: Gettext,
) -> Report:
    """`today` is the coordinator's local day; `gettext` translates into their language."""
    _ = gettext
    await authorize(session, actor, Action.STATS_VIEW)
    meetings = await stats.meetings(session, actor, period, scope, [])
    families = await stats.families(session, actor, period, scope)
    mentors = await stats.mentors(session, actor, period, scope, today=today)
    programmes = await stats.programmes(session, actor, period, scope)
    plans = await stats.plans(session, actor, period, scope, today=today)
    work = await stats.visit_work(session, actor, period, scope)
    visited = work.families_visited
    improved = await evidence_stats.closed_improvement(session, actor, period, scope)
    lasting = await evidence_stats.lasting_change(session, actor, period, scope, content)
    reasons = await evidence_stats.meeting_reasons(session, actor, period, scope)
    decisions = await evidence_stats.decisions(session, actor, period, scope, today=today)

    def of(part: int, whole: int) -> str:
        return _("{part} of {whole}").format(part=part, whole=whole)

    categories = [c.code for c in content.categories]
    categories += sorted(set(meetings.families_by_category) - set(categories))
    released = sum(week.released for week in programmes.hand_in)
    handed_in = sum(week.handed_in for week in programmes.hand_in)
    sections = [
        Section(
            _("Network meetings"),
            [
                Row(_("Network meetings held"), meetings.held),
                Row(
                    _("Families with network meetings"),
                    meetings.families_with_meetings,
                    _("active families: {count}").format(count=meetings.active_families),
                ),
                *(
                    Row(
                        content.category_label(code, locale),
                        meetings.families_by_category.get(code, 0),
                        indent=True,
                    )
                    for code in categories
                ),
                *_improvement_rows(improved, _),
                *_reason_rows(reasons, content, locale, _),
            ],
        ),
        _decisions_section(decisions, _),
        Section(
            _("Parental competence"),
            [
                Row(_("Programmes completed"), programmes.completed),
                Row(_("Completed with positive dynamics"), programmes.positive),
                Row(
                    _("Share with positive dynamics"),
                    _share(programmes.positive, programmes.completed),
                    of(programmes.positive, programmes.completed),
                    Kind.PERCENT,
                ),
                *_lasting_rows(lasting, evidence_stats.follow_up_months(content), _),
            ],
        ),
        Section(
            _("Recipients' satisfaction (SRS)"),
            [
                Row(_("SRS responses"), meetings.srs_responses),
                Row(
                    _("Mean SRS total (0–40)"),
                    meetings.srs_total_mean,
                    "" if meetings.srs_responses else _("no responses"),
                    Kind.MEAN,
                ),
                # The same figure, framed the same way, as in /stats and on the meeting board.
                Row(
                    _("Totals under {threshold} (a signal)").format(threshold=CONCERN_TOTAL),
                    _share(meetings.srs_under_concern, meetings.srs_responses),
                    of(meetings.srs_under_concern, meetings.srs_responses),
                    Kind.PERCENT,
                ),
            ],
        ),
        Section(
            _("Patronage visits"),
            [
                Row(_("Visits"), mentors.visits),
                Row(_("Families visited"), visited),
                Row(
                    _("Mentors who visited"),
                    mentors.mentors_visiting,
                    _("mentors: {count}").format(count=mentors.mentors),
                ),
            ],
        ),
        *_visit_work_sections(work, content, locale, _),
        Section(
            _("Family programmes"),
            [
                Row(_("Enrolled in the period"), programmes.enrolled),
                Row(_("Active"), programmes.active),
                Row(_("Completed"), programmes.completed),
                Row(_("Completed with positive dynamics"), programmes.positive),
                Row(
                    _("Mean weekly self-rating (1–10)"),
                    programmes.mean_rating,
                    _("ratings: {count}").format(count=programmes.ratings),
                    Kind.MEAN,
                ),
                Row(
                    _("Homework hand-in rate"),
                    _share(handed_in, released),
                    _("{part} of {whole} weeks released").format(part=handed_in, whole=released),
                    Kind.PERCENT,
                ),
            ],
        ),
        *_families_sections(families, content, locale, _),
        # The period's figures; the stages "now" follow in their own section, dated.
        Section(
            _("Case plans"),
            [
                Row(_("Plan tasks due in the period"), plans.due),
                Row(_("Tasks done"), plans.done, indent=True),
                Row(_("Tasks not done"), plans.not_done, indent=True),
                Row(_("Tasks still open"), plans.open, indent=True),
                Row(
                    _("Of them overdue"),
                    plans.overdue,
                    _("open: {count}").format(count=plans.open),
                    indent=True,
                ),
                Row(
                    _("Share of plan tasks done"),
                    _share(plans.done, plans.due),
                    of(plans.done, plans.due),
                    Kind.PERCENT,
                ),
                Row(_("Families with a plan task due in the period"), plans.families_due),
                Row(_("Plan tasks added in the period"), plans.added),
                Row(_("From visits"), plans.from_visits, indent=True),
                Row(_("From network meetings' decisions"), plans.from_decisions, indent=True),
                Row(_("Cases closed"), plans.closed),
                Row(
                    _("With a final meeting"),
                    plans.closed_with_final_meeting,
                    of(plans.closed_with_final_meeting, plans.closed),
                    indent=True,
                ),
                Row(_("Consilium reviews held"), plans.consiliums_held),
            ],
        ),
        _assessment_section(plans, _),
        *_cases_now_section(plans, today, _),
    ]
    empty = (
        meetings.empty
        and not mentors.visits
        and programmes.empty
        and not (families.closed_improvement or families.closed_other or families.new)
        and not (plans.due or plans.added or plans.consiliums_held)
        and not (families.requests.received or plans.assessment.families)
        and not (lasting.followed or reasons or decisions.taken)
    )
    return Report(
        title=_("Service report"),
        period=f"{local_day(period.start)} – {local_day(period.end)}",
        scope=await _scope_label(session, scope, content, locale, _),
        sections=sections,
        empty=empty,
    )


def _improvement_rows(improved: ClosedImprovement, _: Gettext) -> list[Row]:
    """All closings for improvement in the period, then those after a network meeting held."""
    return [
        Row(
            _("Families taken off the register because their situation improved"),
            improved.closed,
        ),
        Row(
            _("Of them with a network meeting held"),
            improved.with_meeting,
            _("{part} of {whole}").format(part=improved.with_meeting, whole=improved.closed),
            indent=True,
        ),
    ]


def _reason_rows(
    reasons: dict[str | None, int], content: Content, locale: str, _: Gettext
) -> list[Row]:
    """The period's meetings (not cancelled) by reason: every reason listed, then "not
    stated"."""
    total = sum(reasons.values())
    known = evidence_stats.reason_codes(content)
    stated = {code: n for code, n in reasons.items() if code is not None}

    def of(part: int) -> str:
        return _("{part} of {whole}").format(part=part, whole=total)

    return [
        Row(_("Meetings in the period by reason"), total),
        *(
            Row(
                meeting_reason_label(content, code, locale),
                stated.get(code, 0),
                of(stated.get(code, 0)),
                indent=True,
            )
            for code in _codes(known, stated)
        ),
        Row(_("Reason not stated"), reasons.get(None, 0), of(reasons.get(None, 0)), indent=True),
    ]


def _decisions_section(d: DecisionsOutcome, _: Gettext) -> Section:
    def of(part: int, whole: int) -> str:
        return _("{part} of {whole}").format(part=part, whole=whole)

    return Section(
        _("Network meetings' decisions"),
        [
            Row(_("Decisions taken in the period"), d.taken),
            Row(
                _("Carried out by their date"),
                d.done_by_date,
                of(d.done_by_date, d.taken),
                indent=True,
            ),
            Row(_("Carried out later"), d.done_late, of(d.done_late, d.taken), indent=True),
            Row(_("Marked not done"), d.not_done, of(d.not_done, d.taken), indent=True),
            Row(_("Decisions still open"), d.open, of(d.open, d.taken), indent=True),
            Row(_("Of them overdue"), d.overdue, _("open: {count}").format(count=d.open)),
            Row(
                _("Share carried out by their date"),
                _share(d.done_by_date, d.taken),
                of(d.done_by_date, d.taken),
                Kind.PERCENT,
            ),
        ],
    )


def _lasting_rows(lasting: LastingChange, months: list[int], _: Gettext) -> list[Row]:
    """Of the programmes completed with positive dynamics and followed up in the period, those
    that kept the change at the latest follow-up; then per follow-up month."""
    found = {row.months: row for row in lasting.by_months}

    def of(part: int, whole: int) -> str:
        return _("{part} of {whole}").format(part=part, whole=whole)

    return [
        Row(
            _("Followed up after a programme with positive dynamics"),
            lasting.followed,
        ),
        Row(_("Kept the change"), lasting.kept, of(lasting.kept, lasting.followed), indent=True),
        Row(
            _("Share who kept the change"),
            _share(lasting.kept, lasting.followed),
            of(lasting.kept, lasting.followed),
            Kind.PERCENT,
        ),
        *(
            Row(
                _("Kept the change after {months} months").format(months=m),
                found[m].kept if m in found else 0,
                of(found[m].kept if m in found else 0, found[m].followed if m in found else 0),
                indent=True,
            )
            for m in sorted(set(months) | set(found))
        ),
    ]


def _codes(known: list[str], seen: Iterable[str]) -> list[str]:
    """The content's codes in its order, then any retired code still found in the rows."""
    return known + sorted(set(seen) - set(known))


def _visit_work_sections(
    work: VisitWork, content: Content, locale: str, _: Gettext
) -> list[Section]:
    """Per kind of help and per method, every one listed: the families with a visit in the
    period that gave it (their base is "Families visited" above) and, as a note, those visits."""

    def rows(what: str, totals: list[CodeTotal]) -> list[Row]:
        found = {t.code: t for t in totals}
        known = [c.code for c in getattr(content.visits, what)]
        return [
            Row(
                content.visits.label(what, code, locale),
                found[code].families if code in found else 0,
                _("visits: {count}").format(count=found[code].visits if code in found else 0),
            )
            for code in _codes(known, found)
        ]

    return [
        Section(_("Help given on visits (families)"), rows("help", work.help)),
        Section(_("Methods used on visits (families)"), rows("methods", work.methods)),
    ]


def _families_sections(
    families: FamiliesFigures, content: Content, locale: str, _: Gettext
) -> list[Section]:
    """Children and adults reached; the period's requests by source and by difficulty."""
    reach, requests = families.reach, families.requests
    intake = content.intake

    def of(part: int, whole: int) -> str:
        return _("{part} of {whole}").format(part=part, whole=whole)

    def breakdown(what: str, counts: dict[str, int]) -> list[Row]:
        known = [item.code for item in getattr(intake, what)]
        return [
            Row(
                intake.label(what, code, locale),
                counts.get(code, 0),
                of(counts.get(code, 0), requests.received),
                indent=True,
            )
            for code in _codes(known, counts)
        ]

    return [
        Section(
            _("Children and adults reached"),
            [
                Row(
                    _("Children reached"),
                    reach.children,
                    _("families with the make-up recorded: {part} of {whole}").format(
                        part=reach.families_with_makeup, whole=reach.active
                    ),
                ),
                Row(_("Adults reached"), reach.adults),
            ],
        ),
        Section(
            _("Requests: how the families came"),
            [
                Row(_("Requests received in the period"), requests.received),
                *breakdown("sources", requests.by_source),
            ],
        ),
        Section(
            _("Requests: kinds of difficulty"),
            breakdown("difficulties", requests.by_difficulty),
        ),
    ]


def _assessment_section(plans: PlansFigures, _: Gettext) -> Section:
    a = plans.assessment
    none = "" if a.families else _("no families")

    def of(part: int) -> str:
        return _("{part} of {whole}").format(part=part, whole=a.families)

    return Section(
        _("Assessment before and after"),
        [
            Row(_("Families with a final assessment in the period"), a.families),
            Row(_("Mean preliminary assessment"), a.intake_mean, none, Kind.MEAN),
            Row(_("Mean final assessment"), a.final_mean, none, Kind.MEAN),
            Row(_("Mean change"), a.change_mean, none, Kind.MEAN),
            Row(_("Improved"), a.improved, of(a.improved), indent=True),
            Row(_("Unchanged"), a.unchanged, of(a.unchanged), indent=True),
            Row(_("Worse"), a.worse, of(a.worse), indent=True),
        ],
    )


def _cases_now_section(plans: PlansFigures, today: date, _: Gettext) -> list[Section]:
    """Open cases by stage and consilium reviews overdue, as on `today`: only for a period that
    includes it, as /stats shows them."""
    if plans.stages is None:
        return []
    total = plans.open_families

    def of(part: int) -> str:
        return _("{part} of {whole}").format(part=part, whole=total)

    overdue = plans.consilium_overdue_families or 0
    return [
        Section(
            _("Cases on {day}").format(day=local_day(today)),
            [
                Row(_("Open cases"), total),
                *(
                    Row(
                        _(name),
                        plans.stages.get(stage.value, 0),
                        of(plans.stages.get(stage.value, 0)),
                        indent=True,
                    )
                    for stage, name in CASE_STAGES.items()
                    if stage.value in plans.stages
                ),
                Row(_("With a consilium review overdue"), overdue, of(overdue)),
                Row(_("Consilium reviews overdue"), plans.consiliums_overdue or 0),
            ],
        )
    ]


async def _scope_label(
    session: AsyncSession, scope: Scope, content: Content, locale: str, _: Gettext
) -> str:
    if scope.mentor_id is not None:
        mentor = await people_repo.by_id(session, scope.mentor_id)
        name = mentor.display_name if mentor else str(scope.mentor_id)
        return _("Families of mentor {name}").format(name=name)
    if scope.category is not None:
        return _("Families in the category {category}").format(
            category=content.category_label(scope.category, locale)
        )
    return ""


# --- the workbook --------------------------------------------------------------------------

MIN_WIDTH, MAX_WIDTH = 10, 80


def workbook(report: Report, gettext: Gettext) -> bytes:
    """One sheet: title and period on top, a bold header, bold section rows, numbers as
    numbers with their format, columns as wide as their longest text."""
    # Imported here: openpyxl (and numpy behind it) costs ~23 MB, only for those who ask.
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    _ = gettext
    bold, title = Font(bold=True), Font(bold=True, size=14)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("Report")[:31]
    sheet.append([report.title])
    sheet["A1"].font = title
    sheet.append([_("Period: {period}").format(period=report.period)])
    if report.scope:
        sheet.append([report.scope])
    sheet.append([])
    sheet.append([_("Indicator"), _("Value"), _("Base / notes")])
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    for section in report.sections:
        sheet.append([section.title])
        sheet.cell(sheet.max_row, 1).font = bold
        for row in section.rows:
            sheet.append([row.label, row.value, row.note or None])
            label, value = sheet.cell(sheet.max_row, 1), sheet.cell(sheet.max_row, 2)
            if row.indent:
                label.alignment = Alignment(indent=2)
            value.number_format = NUMBER_FORMATS[row.kind]
    _fit_widths(sheet, title_rows=3 if report.scope else 2)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _fit_widths(sheet: Worksheet, title_rows: int) -> None:
    from openpyxl.utils import get_column_letter

    widths: dict[int, int] = {}
    # The title rows may overflow into the empty cells beside them, as a heading does.
    for row in sheet.iter_rows(min_row=title_rows + 1):
        for cell in row:
            if cell.value is None:
                continue
            text = f"{cell.value:.1%}" if isinstance(cell.value, float) else str(cell.value)
            widths[cell.column] = max(widths.get(cell.column, 0), len(text) + 2)
    for column, width in widths.items():
        letter = get_column_letter(column)
        sheet.column_dimensions[letter].width = max(MIN_WIDTH, min(MAX_WIDTH, width))
