"""/learn: the mentors' course (content/course.yaml), each person's own progress, sessions a
coordinator records as held in person, materials at hand, and the move of a candidate who
finished the course to trained, which a coordinator confirms."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.course import CourseFile
from bot.db.models import MentorMaterial, MentorStatus, Role
from bot.db.repositories import learning as learning_repo
from bot.db.repositories import people as people_repo
from bot.services import audit, outbox
from bot.services.access import Action, Actor, authorize
from bot.services.errors import DomainError

NOTE_MAX = 1000  # a thought on a lesson's question, a session's note
TITLE_MAX = 128  # MentorMaterial.title
HOURS_MAX = 12.0
HELPLINE = "8-800-2000-122"  # the children's helpline: free, all of Russia

FINISHED_PURPOSE = FINISHED_KIND = "course_finished"
CONFIRMABLE = frozenset({MentorStatus.CANDIDATE.value, MentorStatus.TESTED.value})


@dataclass(frozen=True)
class Progress:
    done: frozenset[str]  # lesson codes
    lessons_total: int
    minutes: int  # lessons done plus sessions held in person

    @property
    def lessons_done(self) -> int:
        return len(self.done)

    @property
    def finished(self) -> bool:
        return self.lessons_done >= self.lessons_total


class Confirmed(StrEnum):
    DONE = "done"
    STALE = "stale"  # the status moved meanwhile (or the person is no longer a candidate)


async def progress(session: AsyncSession, actor: Actor | None, course: CourseFile) -> Progress:
    """One's own progress only: there is no way to ask for another person's here."""
    await authorize(session, actor, Action.LEARN)
    assert actor is not None
    return await _progress_of(session, actor.person_id, course)


async def _progress_of(session: AsyncSession, person_id: int, course: CourseFile) -> Progress:
    codes = set(course.lesson_codes())
    rows = await learning_repo.lessons_done(session, person_id)
    done = frozenset(row.lesson_code for row in rows if row.lesson_code in codes)
    minutes = sum(row.minutes for row in rows) + await learning_repo.session_minutes(
        session, person_id
    )
    return Progress(done=done, lessons_total=len(codes), minutes=minutes)


def check_note(text: str) -> str:
    """A typed thought or note, stripped; DomainError('note_too_long') over NOTE_MAX."""
    text = text.strip()
    if len(text) > NOTE_MAX:
        raise DomainError("note_too_long")
    return text


async def mark_done(
    session: AsyncSession,
    actor: Actor | None,
    course: CourseFile,
    lesson_code: str,
    note: str | None,
    now: datetime,
) -> bool:
    """«✅ Готово» on a lesson: one row per person and lesson (a second press changes nothing).
    The last lesson of a candidate's course tells the coordinators. True when newly done."""
    await authorize(session, actor, Action.LEARN)
    assert actor is not None
    found = course.lesson(lesson_code)
    if found is None:
        raise DomainError("lesson_not_found")
    subject, lesson = found
    if await learning_repo.lesson_done(session, actor.person_id, lesson.code) is not None:
        return False
    note = check_note(note) if note else None
    await learning_repo.add_lesson_done(
        session,
        person_id=actor.person_id,
        lesson_code=lesson.code,
        subject_code=subject.code,
        minutes=lesson.minutes,
        note=note or None,
        now=now,
    )
    if (await _progress_of(session, actor.person_id, course)).finished:
        await _tell_coordinators(session, actor.person_id, now)
    return True


async def _tell_coordinators(session: AsyncSession, person_id: int, now: datetime) -> None:
    profile = await learning_repo.profile(session, person_id)
    if profile is None or profile.status not in CONFIRMABLE:
        return
    person = await people_repo.by_id(session, person_id)
    name = person.display_name if person else "—"
    for coordinator_id, chat_id, _zone in await people_repo.reachable_with_role(
        session, Role.COORDINATOR.value
    ):
        await outbox.enqueue(
            session,
            recipient=outbox.Recipient(coordinator_id, chat_id),
            purpose=FINISHED_PURPOSE,
            kind=FINISHED_KIND,
            params={"name": name, "person_id": person_id},
            now=now,
            object_type="person",
            object_id=person_id,
        )


async def confirm_trained(
    session: AsyncSession, actor: Actor | None, person_id: int, now: datetime
) -> Confirmed:
    """A coordinator confirms that a candidate who finished the course is trained."""
    await authorize(session, actor, Action.TRAINING_KEEP)
    assert actor is not None
    profile = await learning_repo.profile(session, person_id)
    if profile is None or profile.status not in CONFIRMABLE:
        return Confirmed.STALE
    await learning_repo.set_trained(session, profile, changed_by_id=actor.person_id, now=now)
    await audit.record(
        session, actor, "mentor.trained", now, object_type="person", object_id=person_id
    )
    return Confirmed.DONE


async def mentors(session: AsyncSession, actor: Actor | None) -> list[tuple[int, str]]:
    """(person id, name) of the people with the mentor role: whom a session is recorded for."""
    await authorize(session, actor, Action.TRAINING_KEEP)
    return await learning_repo.mentors(session)


_HOURS = re.compile(r"^\d{1,2}([.,]\d{1,2})?$")


def parse_hours(text: str) -> float:
    """Hours as typed ("1.5", "2,5", "2"); DomainError('hours_invalid') otherwise."""
    text = text.strip()
    if not _HOURS.match(text):
        raise DomainError("hours_invalid")
    hours = float(text.replace(",", "."))
    if not 0 < hours <= HOURS_MAX:
        raise DomainError("hours_invalid")
    return hours


async def record_session(
    session: AsyncSession,
    actor: Actor | None,
    course: CourseFile,
    *,
    person_id: int,
    held_on: date,
    subject_code: str,
    hours: float,
    note: str | None,
    now: datetime,
) -> int:
    """A session held in person, recorded by a coordinator; returns its id."""
    await authorize(session, actor, Action.TRAINING_KEEP)
    assert actor is not None
    if not await learning_repo.is_mentor(session, person_id):
        raise DomainError("mentor_not_found")
    if course.subject(subject_code) is None:
        raise DomainError("subject_not_found")
    if not 0 < hours <= HOURS_MAX:
        raise DomainError("hours_invalid")
    row = await learning_repo.add_training_session(
        session,
        person_id=person_id,
        held_on=held_on,
        subject_code=subject_code,
        minutes=round(hours * 60),
        note=check_note(note) or None if note else None,
        recorded_by_id=actor.person_id,
        now=now,
    )
    await audit.record(
        session,
        actor,
        "training.session",
        now,
        object_type="person",
        object_id=person_id,
        session_id=row.id,
    )
    return row.id


async def materials(session: AsyncSession, actor: Actor | None) -> list[MentorMaterial]:
    await authorize(session, actor, Action.LEARN)
    return await learning_repo.materials(session)


async def material(session: AsyncSession, actor: Actor | None, material_id: int) -> MentorMaterial:
    await authorize(session, actor, Action.LEARN)
    found = await learning_repo.material(session, material_id)
    if found is None:
        raise DomainError("material_not_found")
    return found


def check_title(text: str) -> str:
    text = " ".join(text.split())
    if not text:
        raise DomainError("title_empty")
    if len(text) > TITLE_MAX:
        raise DomainError("title_too_long")
    return text


async def add_material(
    session: AsyncSession,
    actor: Actor | None,
    *,
    title: str,
    media: str,
    file_id: str,
    now: datetime,
) -> int:
    await authorize(session, actor, Action.TRAINING_KEEP)
    assert actor is not None
    if media not in ("document", "photo") or not file_id:
        raise DomainError("material_not_a_file")
    row = await learning_repo.add_material(
        session,
        title=check_title(title),
        media=media,
        file_id=file_id,
        added_by_id=actor.person_id,
        now=now,
    )
    await audit.record(
        session, actor, "material.add", now, object_type="material", object_id=row.id
    )
    return row.id


async def remove_material(
    session: AsyncSession, actor: Actor | None, material_id: int, now: datetime
) -> bool:
    """False when it was already removed."""
    await authorize(session, actor, Action.TRAINING_KEEP)
    found = await learning_repo.material(session, material_id)
    if found is None:
        return False
    await learning_repo.remove_material(session, found, now)
    await audit.record(
        session, actor, "material.remove", now, object_type="material", object_id=material_id
    )
    return True
