"""After a network meeting: the coordinator marks it held and ticks who came; each attendee gets
the Session Rating Scale (four items 0–10, an optional comment), reminded once the next day;
answers cannot be changed; a total under 36 or any item under 9 alerts the coordinator with the
weak items named. So does a total at least CONCERN_DROP lower than the same person's at the child's
previous meeting (see `drops`). After the items, one optional open question ("what will you do
differently?"), added once to the stored answer. The per-meeting summary: responses n of
attendees, each item's mean, the total, the drops and the open answers.
Who came can be corrected later: the newly ticked get the survey, the un-ticked's unsent survey and
reminder are cancelled; an answer already given stays and counts.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.srs import CONCERN_DROP, CONCERN_ITEM, CONCERN_TOTAL, ITEM_MAX, Srs
from bot.db.models import Meeting, MeetingParticipant, MeetingStatus, Person, SrsResponse
from bot.db.repositories import meetings as meetings_repo
from bot.db.repositories import outbox as outbox_repo
from bot.db.repositories import people as people_repo
from bot.db.repositories import srs as srs_repo
from bot.services import audit, outbox
from bot.services.access import Action, Actor, authorize
from bot.services.errors import DomainError
from bot.services.meetings import OBJECT_PARTICIPANT, local_start

SURVEY_PURPOSE = "srs_survey"  # occurrence "ask" (at once) and "remind" (the next day)
SURVEY_KIND = "srs_survey"
ALERT_PURPOSE = "srs_alert"
ALERT_KIND = "srs_alert"
REMIND_AFTER = timedelta(days=1)
COMMENT_MAX = 1000
REFLECTION_MAX = 500


async def _attendance_of(
    session: AsyncSession, actor: Actor, meeting_id: int, attended: Collection[int], now: datetime
) -> tuple[Meeting, list[MeetingParticipant]]:
    """The meeting whose attendance is being ticked, and its participants, once checked: it has
    begun, is not cancelled, and every ticked id is one of its participants."""
    await authorize(session, actor, Action.MEETING_MANAGE)
    meeting = await meetings_repo.by_id(session, meeting_id)
    if meeting is None:
        raise DomainError("meeting_not_found")
    if meeting.status == MeetingStatus.CANCELLED:
        raise DomainError("meeting_not_planned")
    if now < meeting.starts_at:
        raise DomainError("meeting_not_started")
    rows = await meetings_repo.participants(session, meeting.id)
    if not set(attended) <= {p.id for p in rows}:
        raise DomainError("participant_not_found")  # ids of another meeting: forged
    return meeting, rows


async def mark_held(
    session: AsyncSession,
    actor: Actor,
    meeting_id: int,
    attended: Collection[int],
    now: datetime,
) -> int:
    """The meeting took place; `attended` are participant ids. Attendees who use the bot get the
    survey now and a reminder tomorrow. Returns how many surveys were queued."""
    meeting, rows = await _attendance_of(session, actor, meeting_id, attended, now)
    meeting.status = MeetingStatus.HELD.value
    meeting.held_at = meeting.held_at or now
    surveys = 0
    for participant in rows:
        participant.attended = participant.id in attended
        if participant.attended:
            surveys += int(await _queue_survey(session, participant, now))
    await audit.record(
        session,
        actor,
        "meeting.held",
        now,
        object_type="meeting",
        object_id=meeting.id,
        attended=len(attended),
    )
    return surveys


async def _queue_survey(
    session: AsyncSession, participant: MeetingParticipant, now: datetime
) -> bool:
    """The survey now and its reminder tomorrow, for an attendee who uses the bot; True when a
    survey was newly queued (each occurrence is queued once: the outbox de-duplicates)."""
    if participant.person_id is None:
        return False
    person = await people_repo.by_id(session, participant.person_id)
    if person is None:
        return False
    asked = False
    for occurrence, due_at in (("ask", now), ("remind", now + REMIND_AFTER)):
        added = await outbox.enqueue(
            session,
            recipient=outbox.Recipient(person.id, person.telegram_id),
            purpose=SURVEY_PURPOSE,
            kind=SURVEY_KIND,
            params={"participant_id": participant.id, "reminder": occurrence == "remind"},
            now=now,
            due_at=due_at,
            object_type=OBJECT_PARTICIPANT,
            object_id=participant.id,
            occurrence=occurrence,
            family_facing=True,
        )
        asked = asked or (added and occurrence == "ask")
    return asked


async def _requeue_survey(
    session: AsyncSession, participant: MeetingParticipant, now: datetime
) -> bool:
    """Someone un-ticked earlier and ticked again: their cancelled survey rows go back to the
    queue (the outbox's de-duplication would otherwise keep them cancelled for good), unless
    they answered meanwhile. True when the survey itself was re-queued."""
    if participant.person_id is None:
        return False
    if await srs_repo.has_answered(session, participant.id):
        return False
    cancelled = await outbox_repo.cancelled_as_moot(
        session,
        object_type=OBJECT_PARTICIPANT,
        object_id=participant.id,
        purpose=SURVEY_PURPOSE,
        person_id=participant.person_id,
    )
    remind_key = outbox.dedup_key(
        participant.person_id, SURVEY_PURPOSE, OBJECT_PARTICIPANT, participant.id, "remind"
    )
    asked = False
    for row_id, key in cancelled:
        reminder = key == remind_key
        # The parameters again: a row settled OUTBOX_KEEP_DAYS ago has had them blanked.
        await outbox_repo.requeue(
            session,
            row_id,
            params={"participant_id": participant.id, "reminder": reminder},
            due_at=now + REMIND_AFTER if reminder else now,
        )
        asked = asked or not reminder
    return asked


@dataclass(frozen=True)
class Correction:
    attended: int  # who came, after the correction
    added: int  # newly ticked
    removed: int  # un-ticked
    surveys: int  # surveys newly queued for the newly ticked who use the bot
    cancelled: int  # unsent surveys and reminders of the un-ticked, cancelled


async def correct_attendance(
    session: AsyncSession,
    actor: Actor,
    meeting_id: int,
    attended: Collection[int],
    now: datetime,
) -> Correction:
    """Who came to a meeting already marked held, corrected. The newly ticked who use the bot get
    the survey and its reminder, as on marking it held (once); the un-ticked lose what of theirs
    is not sent yet. An answer already given stays and counts (see `summary`). held_at stays."""
    meeting, rows = await _attendance_of(session, actor, meeting_id, attended, now)
    if meeting.status != MeetingStatus.HELD:
        raise DomainError("meeting_not_held")
    added = removed = surveys = cancelled = 0
    for participant in rows:
        came = participant.id in attended
        if came == bool(participant.attended):
            continue
        participant.attended = came
        if came:
            added += 1
            queued = await _queue_survey(session, participant, now)
            requeued = await _requeue_survey(session, participant, now)
            surveys += int(queued or requeued)
        else:
            removed += 1
            cancelled += await outbox_repo.cancel_queued(
                session, OBJECT_PARTICIPANT, participant.id, [SURVEY_PURPOSE]
            )
    result = Correction(
        attended=sum(1 for p in rows if p.attended),
        added=added,
        removed=removed,
        surveys=surveys,
        cancelled=cancelled,
    )
    await audit.record(
        session,
        actor,
        "meeting.attendance_corrected",
        now,
        object_type="meeting",
        object_id=meeting.id,
        attended=result.attended,
        added=added,
        removed=removed,
        surveys=surveys,
        cancelled=cancelled,
    )
    return result


async def _attendee(
    session: AsyncSession, actor: Actor | None, participant_id: int
) -> tuple[MeetingParticipant, Meeting]:
    await authorize(session, actor, Action.MEETING_PARTICIPATE, participant_id)
    participant = await meetings_repo.participant_by_id(session, participant_id)
    meeting = await meetings_repo.by_id(session, participant.meeting_id) if participant else None
    if participant is None or meeting is None:
        raise DomainError("participant_not_found")
    if meeting.status != MeetingStatus.HELD or not participant.attended:
        raise DomainError("srs_not_open")
    return participant, meeting


async def is_answered(session: AsyncSession, actor: Actor | None, participant_id: int) -> bool:
    """Whether this attendee already sent the survey (it is open to attendees only)."""
    participant, _meeting = await _attendee(session, actor, participant_id)
    return await srs_repo.has_answered(session, participant.id)


def weak_items(scores: Mapping[str, int]) -> list[str]:
    return [code for code, value in scores.items() if value < CONCERN_ITEM]


async def submit(
    session: AsyncSession,
    actor: Actor | None,
    participant_id: int,
    scores: Mapping[str, int],
    comment: str | None,
    now: datetime,
    srs: Srs,
) -> bool:
    """Store the survey; False when it was already sent (answers cannot be changed)."""
    participant, meeting = await _attendee(session, actor, participant_id)
    codes = [item.code for item in srs.items]
    if sorted(scores) != sorted(codes) or any(
        not isinstance(v, int) or not 0 <= v <= ITEM_MAX for v in scores.values()
    ):
        raise DomainError("srs_incomplete")
    text = (comment or "").strip() or None
    if text is not None and len(text) > COMMENT_MAX:
        raise DomainError("srs_comment_long")
    ordered = {code: int(scores[code]) for code in codes}
    total = sum(ordered.values())
    if not await srs_repo.add_once(
        session,
        meeting_id=meeting.id,
        participant_id=participant.id,
        scores=ordered,
        total=total,
        comment=text,
        now=now,
    ):
        return False
    await outbox_repo.cancel_queued(session, OBJECT_PARTICIPANT, participant.id, [SURVEY_PURPOSE])
    weak = weak_items(ordered)
    current = Answer.of(participant, meeting, total)
    earlier = await srs_repo.earlier_in_family(session, meeting.family_id, meeting.starts_at)
    drop = next(iter(drops([current], [Answer.of(p, m, r.total) for r, p, m in earlier])), None)
    if total < CONCERN_TOTAL or weak or drop is not None:
        await _alert(session, meeting, participant, total, weak, drop, now)
    return True


async def add_reflection(
    session: AsyncSession, actor: Actor | None, participant_id: int, text: str
) -> bool:
    """The answer to the optional open question, added once after the survey was sent; False
    when there is nothing to add it to or it was already given (it cannot be changed)."""
    participant, _meeting = await _attendee(session, actor, participant_id)
    cleaned = text.strip()
    if not cleaned:
        raise DomainError("srs_reflection_empty")
    if len(cleaned) > REFLECTION_MAX:
        raise DomainError("srs_reflection_long")
    return await srs_repo.set_reflection(session, participant.id, cleaned)


@dataclass(frozen=True)
class Answer:
    """One SRS total with who gave it, at which meeting of which child."""

    meeting_id: int
    child: str
    starts_at: datetime
    person_id: int | None
    name: str
    relation: str
    total: int

    @classmethod
    def of(cls, participant: MeetingParticipant, meeting: Meeting, total: int) -> Answer:
        return cls(
            meeting_id=meeting.id,
            child=meeting.child_name,
            starts_at=meeting.starts_at,
            person_id=participant.person_id,
            name=participant.name,
            relation=participant.relation,
            total=total,
        )


@dataclass(frozen=True)
class Drop:
    name: str
    before: int
    after: int


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


def same_person(a: Answer, b: Answer) -> bool:
    """The same participant at two meetings: the same person when both use the bot, otherwise
    the same name (case and spaces aside) and relation."""
    if a.person_id is not None and b.person_id is not None:
        return a.person_id == b.person_id
    return _folded(a.name) == _folded(b.name) and a.relation == b.relation


def drops(current: Sequence[Answer], earlier: Sequence[Answer]) -> list[Drop]:
    """Each current answer against the same person's at the previous meeting of the same child
    (the same family is the caller's query; the child's name compares case-blind): a total
    CONCERN_DROP or more lower is a drop. A first meeting, a rise or the same total is none."""
    found = []
    for answer in current:
        before = [
            old
            for old in earlier
            if old.meeting_id != answer.meeting_id
            and old.starts_at < answer.starts_at
            and _folded(old.child) == _folded(answer.child)
            and same_person(old, answer)
        ]
        if not before:
            continue
        previous = max(before, key=lambda old: (old.starts_at, old.meeting_id))
        if previous.total - answer.total >= CONCERN_DROP:
            found.append(Drop(name=answer.name, before=previous.total, after=answer.total))
    return found


async def _alert(
    session: AsyncSession,
    meeting: Meeting,
    participant: MeetingParticipant,
    total: int,
    weak: list[str],
    drop: Drop | None,
    now: datetime,
) -> None:
    """The coordinator who planned the meeting (or, if gone, every coordinator) hears of it."""
    people: list[Person] = []
    if meeting.created_by_id is not None:
        creator = await people_repo.by_id(session, meeting.created_by_id)
        if creator is not None:
            people.append(creator)
    if not people:
        people = await people_repo.with_role(session, "coordinator")
    for person in people:
        await outbox.enqueue(
            session,
            recipient=outbox.Recipient(person.id, person.telegram_id),
            purpose=ALERT_PURPOSE,
            kind=ALERT_KIND,
            params={
                "meeting_id": meeting.id,
                "when": local_start(meeting).strftime("%d.%m.%Y %H:%M"),
                "child": meeting.child_name,
                "total": total,
                "weak": weak,
                # Totals only: the board names who.
                "drop": [drop.before, drop.after] if drop is not None else None,
            },
            now=now,
            object_type=OBJECT_PARTICIPANT,
            object_id=participant.id,
        )


@dataclass(frozen=True)
class Summary:
    attendees: int
    responses: int
    item_means: dict[str, float]  # code -> mean, only when there are responses
    total_mean: float | None
    under_concern: int  # responses with a total under CONCERN_TOTAL
    # Of `responses`, those of people un-ticked after they answered: an answer, once given,
    # stays and counts here as in /stats, /report and the export (all count every response of
    # a held meeting); the board names them so "n of m attendees" adds up.
    not_attendees: int = 0
    drops: tuple[Drop, ...] = ()  # lower than the same person's at the child's previous meeting
    reflections: tuple[str, ...] = ()  # answers to the open question, oldest first


async def summary(session: AsyncSession, actor: Actor, meeting_id: int, srs: Srs) -> Summary:
    await authorize(session, actor, Action.MEETING_MANAGE)
    attendees = await meetings_repo.attendee_ids(session, meeting_id)
    answered = await srs_repo.of_meeting_with_participants(session, meeting_id)
    responses = [response for response, _participant in answered]
    count = len(responses)
    means = (
        {
            item.code: sum(r.scores.get(item.code, 0) for r in responses) / count
            for item in srs.items
        }
        if count
        else {}
    )
    return Summary(
        attendees=len(attendees),
        responses=count,
        item_means=means,
        total_mean=sum(r.total for r in responses) / count if count else None,
        under_concern=sum(1 for r in responses if r.total < CONCERN_TOTAL),
        not_attendees=sum(1 for r in responses if r.participant_id not in attendees),
        drops=tuple(await _drops_at(session, meeting_id, answered)),
        reflections=tuple(r.reflection for r in responses if r.reflection),
    )


async def _drops_at(
    session: AsyncSession,
    meeting_id: int,
    answered: Sequence[tuple[SrsResponse, MeetingParticipant]],
) -> list[Drop]:
    meeting = await meetings_repo.by_id(session, meeting_id)
    if meeting is None or not answered:
        return []
    earlier = await srs_repo.earlier_in_family(session, meeting.family_id, meeting.starts_at)
    return drops(
        [Answer.of(p, meeting, r.total) for r, p in answered],
        [Answer.of(p, m, r.total) for r, p, m in earlier],
    )
