"""The mentor's side of homework: a digest of hand-ins, opening an answer, writing feedback.

Digest: hand-ins are collected into one message per mentor per period
(`settings.homework_digest_minutes`, on a clock grid): what was handed in before the period
started goes out at its start. The outbox key is (mentor, period), so a re-run, a restart or a
second replica adds nothing; a week is marked digested only when every one of its mentors got it
in this run, otherwise it waits for the next period (a hand-in committed late in a busy period).

Opening an answer shows its texts and queues copies of its media (photos, voices, documents by
their Telegram file ids) through the outbox, so they go out within the rate limits. Every opening
is audited: answers are a family's personal data. Feedback goes to the family's parents with the
week's topic.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.db.models import AnswerKind, FamilyLinkKind, HomeworkFeedback
from bot.db.repositories import homework as homework_repo
from bot.db.repositories.homework import HandIn, Member
from bot.services import audit, outbox
from bot.services.access import Action, Actor, authorize
from bot.services.errors import DomainError
from bot.services.homework import OBJECT_WEEK, notify_members, parents_of

DIGEST_PURPOSE = "homework_digest"
DIGEST_KIND = "homework_digest"
COPY_PURPOSE = "homework_copy"
COPY_KIND = "homework_copy"
FEEDBACK_PURPOSE = "homework_feedback"
FEEDBACK_KIND = "homework_feedback"

DIGEST_BATCH = 2000
DIGEST_MAX_ITEMS = 20  # buttons in one digest; the rest are counted
FEEDBACK_MAX_CHARS = 2000
MEDIA_KINDS = (AnswerKind.PHOTO.value, AnswerKind.VOICE.value, AnswerKind.DOCUMENT.value)


def period_start(now: datetime, minutes: int) -> datetime:
    """The start of the digest period `now` falls in (a grid from the Unix epoch, UTC)."""
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    step = timedelta(minutes=max(1, minutes))
    return epoch + ((now - epoch) // step) * step


def _item(hand_in: HandIn) -> dict[str, object]:
    return {
        "week_id": hand_in.week_id,
        "family": hand_in.family_name,
        "programme": hand_in.programme_code,
        "week": hand_in.week_number,
        "late": hand_in.late,
        "rating": hand_in.rating,
    }


async def enqueue_digests(session: AsyncSession, now: datetime, settings: Settings) -> int:
    """One digest per mentor with everything handed in before this period; returns how many."""
    start = period_start(now, settings.homework_digest_minutes)
    hand_ins = await homework_repo.undigested(session, start, DIGEST_BATCH)
    if not hand_ins:
        return 0
    mentors = await homework_repo.members(
        session, {h.family_id for h in hand_ins}, FamilyLinkKind.MENTOR
    )
    per_mentor: dict[int, list[HandIn]] = defaultdict(list)
    people: dict[int, Member] = {}
    for hand_in in hand_ins:
        for mentor in mentors.get(hand_in.family_id, []):
            per_mentor[mentor.person_id].append(hand_in)
            people[mentor.person_id] = mentor
    occurrence = start.strftime("%Y%m%dT%H%M")
    missed: set[int] = set()  # weeks some mentor did not get in this run
    queued = 0
    for person_id, items in per_mentor.items():
        mentor = people[person_id]
        added = await outbox.enqueue(
            session,
            recipient=outbox.Recipient(mentor.person_id, mentor.telegram_id),
            purpose=DIGEST_PURPOSE,
            kind=DIGEST_KIND,
            params={
                "items": [_item(h) for h in items[:DIGEST_MAX_ITEMS]],
                "more": max(0, len(items) - DIGEST_MAX_ITEMS),
            },
            now=now,
            occurrence=occurrence,
            # Not urgent: kept out of the mentor's night like family messages.
            family_facing=True,
        )
        if added:
            queued += 1
        else:
            missed.update(h.week_id for h in items)
    await homework_repo.mark_digested(
        session, [h.week_id for h in hand_ins if h.week_id not in missed], now
    )
    return queued


@dataclass(frozen=True)
class AnswerView:
    id: int
    kind: str
    text: str | None
    late: bool
    created_at: datetime
    author_name: str | None


@dataclass(frozen=True)
class Review:
    week_id: int
    family_id: int
    family_name: str
    programme_code: str
    week_number: int
    done_at: datetime | None
    late: bool
    rating: int | None
    comment: str | None
    answers: list[AnswerView]
    feedback: list[str]
    timezone: str

    @property
    def media_count(self) -> int:
        return sum(1 for a in self.answers if a.kind in MEDIA_KINDS)


async def review(session: AsyncSession, actor: Actor | None, week_id: int, now: datetime) -> Review:
    """A week's answers for the family's mentor, curator or a coordinator (audited)."""
    await authorize(session, actor, Action.HOMEWORK_REVIEW, week_id)
    found = await homework_repo.week_with_enrollment(session, week_id)
    if found is None:
        raise DomainError("homework_not_found")
    week, enrollment, family = found
    answers = await homework_repo.answers(session, week.id)
    parents = {m.person_id: m.name for m in await parents_of(session, family.id)}
    await audit.record(
        session, actor, "homework.view", now, object_type=OBJECT_WEEK, object_id=week.id
    )
    return Review(
        week_id=week.id,
        family_id=family.id,
        family_name=family.name,
        programme_code=enrollment.programme_code,
        week_number=week.week_number,
        done_at=week.done_at,
        late=week.late,
        rating=week.rating,
        comment=week.rating_comment,
        answers=[
            AnswerView(
                a.id,
                a.kind,
                a.text,
                a.late,
                a.created_at,
                parents.get(a.person_id) if a.person_id else None,
            )
            for a in answers
        ],
        feedback=[f.text for f in await homework_repo.feedback(session, week.id)],
        timezone=family.timezone,
    )


async def send_copies(
    session: AsyncSession, actor: Actor | None, week_id: int, now: datetime
) -> int:
    """Queue copies of the week's media to the viewer; returns how many."""
    await authorize(session, actor, Action.HOMEWORK_REVIEW, week_id)
    assert actor is not None
    found = await homework_repo.week_with_enrollment(session, week_id)
    if found is None:
        raise DomainError("homework_not_found")
    week, _enrollment, family = found
    media = [a for a in await homework_repo.answers(session, week.id) if a.kind in MEDIA_KINDS]
    opening = secrets.token_hex(6)  # each opening sends its own copies
    for index, answer in enumerate(media, start=1):
        await outbox.enqueue(
            session,
            recipient=outbox.Recipient(actor.person_id, actor.telegram_id),
            purpose=COPY_PURPOSE,
            kind=COPY_KIND,
            params={
                "media": answer.kind,
                "file_id": answer.file_id,
                "family": family.name,
                "week": week.week_number,
                "index": index,
                "count": len(media),
            },
            now=now,
            object_type=OBJECT_WEEK,
            object_id=week.id,
            occurrence=f"{opening}:{answer.id}",
        )
    return len(media)


async def give_feedback(
    session: AsyncSession,
    actor: Actor | None,
    week_id: int,
    text: str,
    draft_key: str,
    now: datetime,
) -> bool:
    """Store the reply and queue it to the parents; False when this draft was already sent."""
    await authorize(session, actor, Action.HOMEWORK_REVIEW, week_id)
    assert actor is not None
    text = text.strip()
    if not text:
        raise DomainError("feedback_empty")
    if len(text) > FEEDBACK_MAX_CHARS:
        raise DomainError("feedback_long")
    found = await homework_repo.week_with_enrollment(session, week_id)
    if found is None:
        raise DomainError("homework_not_found")
    week, enrollment, family = found
    if await homework_repo.feedback_by_key(session, draft_key) is not None:
        return False
    row = HomeworkFeedback(
        homework_week_id=week.id,
        mentor_id=actor.person_id,
        text=text,
        draft_key=draft_key,
        created_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:
        return False
    await notify_members(
        session,
        await parents_of(session, family.id),
        purpose=FEEDBACK_PURPOSE,
        kind=FEEDBACK_KIND,
        params={
            "programme": enrollment.programme_code,
            "week": week.week_number,
            "text": text,
        },
        now=now,
        object_type=OBJECT_WEEK,
        object_id=week.id,
        occurrence=f"fb{row.id}",
    )
    await audit.record(
        session, actor, "homework.feedback", now, object_type=OBJECT_WEEK, object_id=week.id
    )
    return True
