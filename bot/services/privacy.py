"""Data protection: what the bot holds about a person (/mydata), withdrawal of consent, and the
retention of closed families.

Withdrawal and retention blank personal fields and keep the rows that statistics count: a
visit, a hand-in, an RSVP or an SRS score stays, without a name or a text. Visits a mentor
recorded, and a mentor's feedback on homework, stay with their notes: they are the family's case
file, written about the family, not about the mentor; retention blanks them with the family.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import FamilyLinkKind, Person, Role
from bot.db.repositories import families as families_repo
from bot.db.repositories import outbox as outbox_repo
from bot.db.repositories import people as people_repo
from bot.db.repositories import privacy as privacy_repo
from bot.services import (
    audit,
    case_plans,
    concerns,
    digest,
    homework_review,
    learning,
    meeting_decisions,
    mentor_test,
)
from bot.services.access import Actor
from bot.services.errors import AccessDenied
from bot.services.meetings import CHANGE_PURPOSE
from bot.services.outbox import Recipient, enqueue

log = logging.getLogger(__name__)

RETENTION_BATCH = 200
OUTBOX_BATCH = 500
WITHDRAWN_PURPOSE = "consent_withdrawn"
WITHDRAWN_KIND = "consent_withdrawn"  # rendered by bot.notifications.privacy
BLANK = privacy_repo.BLANK
# Roles whose holder is gone once their families are: retention anonymises them too.
FAMILY_SIDE_ROLES = (Role.PARENT.value, Role.PARTICIPANT.value)


@dataclass(frozen=True)
class Summary:
    person: Person
    roles: list[str]
    consent_at: datetime | None
    consent_version: str | None
    families: list[tuple[str, int, str]]  # (link kind, family id, family name)
    counts: dict[str, int]


@dataclass(frozen=True)
class Withdrawal:
    person_id: int
    roles: list[str]
    family_ids: list[int]
    notified: int
    cancelled: int


@dataclass
class RetentionRun:
    families: int = 0
    people: int = 0
    batches: int = 0
    family_ids: list[int] = field(default_factory=list)


async def _own_person(session: AsyncSession, actor: Actor | None) -> Person:
    """Only a person who joined and still consents has data to see or withdraw."""
    if actor is None:
        raise AccessDenied("person")
    person = await people_repo.by_id(session, actor.person_id)
    if person is None or person.anonymised_at is not None:
        raise AccessDenied("person")
    return person


async def summary(session: AsyncSession, actor: Actor | None) -> Summary:
    person = await _own_person(session, actor)
    consents = await people_repo.consents_of(session, person.id)
    current = next((c for c in reversed(consents) if c.withdrawn_at is None), None)
    return Summary(
        person=person,
        roles=sorted(r.role for r in person.roles),
        consent_at=current.accepted_at if current else None,
        consent_version=current.text_version if current else None,
        families=await privacy_repo.linked_families(session, person.id),
        counts=await privacy_repo.counts(session, person.id),
    )


# --- the download ---------------------------------------------------------------------------------


def _when(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


async def export(session: AsyncSession, actor: Actor | None, now: datetime) -> dict[str, Any]:
    """Everything stored about the person themselves, nothing about anyone else."""
    person = await _own_person(session, actor)
    data: dict[str, Any] = {
        "exported_at": _when(now),
        "person": {
            "id": person.id,
            "telegram_id": person.telegram_id,
            "name": person.display_name,
            "language": person.locale,
            "timezone": person.timezone,
            "joined_at": _when(person.created_at),
        },
        "roles": [{"role": r.role, "granted_at": _when(r.granted_at)} for r in person.roles],
        "consents": [
            {
                "version": c.text_version,
                "language": c.locale,
                "accepted_at": _when(c.accepted_at),
                "withdrawn_at": _when(c.withdrawn_at),
            }
            for c in await people_repo.consents_of(session, person.id)
        ],
        "families": [
            {"family_id": family_id, "name": name, "as": kind}
            for kind, family_id, name in await privacy_repo.linked_families(session, person.id)
        ],
        "visits_recorded": [_visit(v) for v in await privacy_repo.visits_by(session, person.id)],
        "homework_answers": [
            {
                "week_id": a.homework_week_id,
                "kind": a.kind,
                "text": a.text,
                "file_id": a.file_id,
                "sent_at": _when(a.created_at),
                "late": a.late,
            }
            for a in await privacy_repo.answers_by(session, person.id)
        ],
        "homework_weeks_handed_in": [
            {
                "week_id": w.id,
                "week_number": w.week_number,
                "done_at": _when(w.done_at),
                "rating": w.rating,
                "rating_comment": w.rating_comment,
            }
            for w in await privacy_repo.weeks_handed_in_by(session, person.id)
        ],
        "meetings": [
            {
                "meeting_id": meeting.id,
                "starts_at": _when(meeting.starts_at),
                "name_given": participant.name,
                "relation": participant.relation,
                "phone": participant.phone,
                "rsvp": participant.rsvp,
                "rsvp_comment": participant.rsvp_comment,
                "attended": participant.attended,
                "srs": (
                    {
                        "scores": srs.scores,
                        "total": srs.total,
                        "comment": srs.comment,
                        "reflection": srs.reflection,
                    }
                    if srs is not None
                    else None
                ),
            }
            for participant, meeting, srs in await privacy_repo.participations_of(
                session, person.id
            )
        ],
        # A programme's evaluation and the follow-up questionnaires the parent gave.
        "programme_evaluations": [
            {
                "enrollment_id": e.enrollment_id,
                "answers": e.answers,
                "open_answer": e.open_answer,
                "given_at": _when(e.created_at),
            }
            for e in await privacy_repo.evaluations_by(session, person.id)
        ],
        "follow_up_questionnaires": [
            {
                "enrollment_id": f.enrollment_id,
                "months": f.months,
                "answers": f.answers,
                "total": f.total,
                "answered_at": _when(f.answered_at),
            }
            for f in await privacy_repo.follow_ups_by(session, person.id)
        ],
        "mentor_path": await _mentor_path(session, person.id),
        # Tasks of a family's plan the person was named responsible for: which task, of which
        # family, by when and how far it is. The plan's other texts are the family's case file.
        "plan_tasks_responsible_for": [
            {
                "task_id": task.id,
                "family_id": task.family_id,
                "task": task.title,
                "deadline": _when(task.due_date),
                "status": task.status,
            }
            for task in await privacy_repo.tasks_responsible(session, person.id)
        ],
        "audit": [
            {
                "at": _when(entry.at),
                "action": entry.action,
                "object_type": entry.object_type,
                "object_id": entry.object_id,
            }
            for entry in await privacy_repo.audit_of(session, person.id)
        ],
    }
    await audit.record(
        session, actor, "mydata.download", now, object_type="person", object_id=person.id
    )
    return data


async def _mentor_path(session: AsyncSession, person_id: int) -> dict[str, Any]:
    """A mentor's statuses, test answers, lessons and training sessions."""
    changes, attempts, lessons, sessions = await privacy_repo.mentor_path_of(session, person_id)
    return {
        "statuses": [
            {"status": c.to_status, "reason": c.reason, "note": c.note, "at": _when(c.changed_at)}
            for c in changes
        ],
        "tests": [
            {
                "answers": a.answers,
                "score": a.score,
                "out_of": a.out_of,
                "passed": a.passed,
                "finished_at": _when(a.finished_at),
            }
            for a in attempts
        ],
        "lessons": [
            {"lesson": p.lesson_code, "note": p.note, "done_at": _when(p.done_at)} for p in lessons
        ],
        "training_sessions": [
            {"subject": t.subject_code, "held_on": _when(t.held_on), "minutes": t.minutes}
            for t in sessions
        ],
    }


def _visit(visit: Any) -> dict[str, Any]:
    return {
        "visit_id": visit.id,
        "family_id": visit.family_id,
        "date": _when(visit.visit_date),
        "format": visit.format,
        "duration_minutes": visit.duration_minutes,
        "methods": visit.methods,
        "help_given": visit.help_given,
        "situation": visit.situation,
        "concern": visit.concern,
        "concern_text": visit.concern_text,
        "notes_text": visit.notes_text,
        "deleted": visit.deleted_at is not None,
    }


def export_bytes(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


def export_filename(today: date) -> str:
    return f"my_data_{today.isoformat()}.json"


# --- withdrawal: texts elsewhere that quote the person -------------------------------------------

_WORD = re.compile(r"\w+")
# What Russian inflection adds to a name (Мария → Марии, Марией; Иван → Ивану, Иваном).
_ENDINGS = set("аяоеёиыуюйьмх")
_SOFT_END = set("аяоеёиыуйь")
_RUNS = re.compile(r"—(?:[\s,;]*—)+")


def name_words(names: Iterable[str]) -> set[str]:
    """The words of the person's names worth looking for (casefolded; one letter is not)."""
    return {
        word.casefold()
        for name in names
        for word in _WORD.findall(name or "")
        if len(word) >= 2 and not word.isdigit()
    }


def _names_the_person(word: str, words: set[str]) -> bool:
    folded = word.casefold()
    if folded in words:
        return True
    for name in words:
        if len(name) < 4:
            continue
        stem = name[:-1] if name[-1] in _SOFT_END else name
        rest = folded[len(stem) :]
        if folded.startswith(stem) and 0 < len(rest) <= 3 and set(rest) <= _ENDINGS:
            return True
    return False


def scrub(text: str, words: set[str]) -> str:
    """The text with every word that names the person replaced by «—»."""
    if not text or not words:
        return text
    replaced = _WORD.sub(
        lambda m: BLANK if _names_the_person(m.group(0), words) else m.group(0), text
    )
    return _RUNS.sub(BLANK, replaced) if replaced != text else text


async def _rewrite_quotes(session: AsyncSession, person_id: int) -> int:
    """Before the person's links and names are gone: meeting texts and decisions that name them,
    and messages (queued or kept) that carry their name or their files. Returns rows changed."""
    display_name, typed = await privacy_repo.names_given(session, person_id)
    words = name_words([display_name or "", *typed])
    meetings = await privacy_repo.meetings_touching(session, person_id)
    changed = 0
    planned: set[int] = set()
    for meeting_id, planned_by, topic, note, facilitators in await privacy_repo.meeting_texts(
        session, meetings
    ):
        values = {
            name: new
            for name, old in (("topic", topic), ("note", note), ("facilitators", facilitators))
            if (new := scrub(old, words)) != old
        }
        if planned_by == person_id:
            values["contact"] = BLANK  # "your contact for the participants": theirs
            planned.add(meeting_id)
        if values:
            await privacy_repo.set_meeting_texts(session, meeting_id, **values)
            changed += 1
    changed += await _rewrite_change_notices(session, set(meetings), planned, words)
    decisions: dict[int, tuple[str, str]] = {}
    for decision_id, what, who in await privacy_repo.decision_texts(session, meetings):
        new_what, new_who = scrub(what, words), scrub(who, words)
        if (new_what, new_who) != (what, who):
            await privacy_repo.set_decision_texts(session, decision_id, new_what, new_who)
            decisions[decision_id] = (new_what, new_who)
            changed += 1
    # A held meeting's process note, two-week record and why a decision was not done.
    for table, column, row_id, text in await privacy_repo.meeting_evidence_texts(session, meetings):
        if (new := scrub(text, words)) != text:
            await privacy_repo.set_case_text(session, table, column, row_id, new)
            changed += 1
    # A decision's reminder quotes what and who.
    for row_id, _status, params in await outbox_repo.with_params(
        session,
        purposes=[meeting_decisions.DUE_PURPOSE],
        object_type=meeting_decisions.OBJECT_DECISION,
        object_ids=list(decisions),
    ):
        what, who = decisions.get(int(params.get("decision_id") or 0), (BLANK, BLANK))
        await outbox_repo.rewrite_params(session, row_id, {**params, "what": what, "who": who})
        changed += 1
    changed += await _rewrite_plans_and_maps(session, person_id, words)
    # A concern alert names the mentor who recorded the visit; the alert itself must still go.
    for row_id, _status, params in await outbox_repo.with_params(
        session,
        purposes=[concerns.PURPOSE],
        object_type=concerns.OBJECT_TYPE,
        object_ids=await privacy_repo.concerns_from_visits_by(session, person_id),
    ):
        if params.get("mentor") not in (None, BLANK):
            await outbox_repo.rewrite_params(session, row_id, {**params, "mentor": BLANK})
            changed += 1
    # A candidate's test result, queued to the coordinators, names the candidate.
    _changes, attempts, _lessons, _sessions = await privacy_repo.mentor_path_of(session, person_id)
    for row_id, _status, params in await outbox_repo.with_params(
        session,
        purposes=[mentor_test.RESULT_PURPOSE],
        object_type=mentor_test.OBJECT_ATTEMPT,
        object_ids=[a.id for a in attempts],
    ):
        if params.get("name") not in (None, BLANK):
            await outbox_repo.rewrite_params(session, row_id, {**params, "name": BLANK})
            changed += 1
    # A finished course, queued to the coordinators, names the mentor too.
    for row_id, _status, params in await outbox_repo.with_params(
        session, purposes=[learning.FINISHED_PURPOSE], object_type="person", object_ids=[person_id]
    ):
        if params.get("name") not in (None, BLANK):
            await outbox_repo.rewrite_params(session, row_id, {**params, "name": BLANK})
            changed += 1
    # The coordinators' weekly digest lists idle mentors by name.
    for row_id, _status, params in await outbox_repo.with_params(
        session, purposes=[digest.PURPOSE]
    ):
        items = params.get("mentors") or []
        cleaned = [
            [BLANK, *item[1:]] if item and _is_their_name(str(item[0]), display_name) else item
            for item in items
        ]
        if cleaned != items:
            await outbox_repo.rewrite_params(session, row_id, {**params, "mentors": cleaned})
            changed += 1
    # Copies of the media they handed in, queued to a mentor: not sent any more.
    answered = await privacy_repo.weeks_answered_by(session, person_id)
    for row_id, _status, params in await outbox_repo.with_params(
        session,
        purposes=[homework_review.COPY_PURPOSE],
        object_type=homework_review.OBJECT_WEEK,
        object_ids=list(answered),
    ):
        if any(params.get("file_id") in files for files in answered.values()):
            await outbox_repo.rewrite_params(session, row_id, {}, cancel=True)
            changed += 1
    return changed


async def _rewrite_change_notices(
    session: AsyncSession, meeting_ids: set[int], planned: set[int], words: set[str]
) -> int:
    """A meeting's change notice quotes its topic, facilitators and contact as they were and
    became: the same words go as in the meeting (the note is never quoted). A notice left with
    nothing to say is cancelled."""
    changed = 0
    for row_id, _status, params in await outbox_repo.with_params(
        session, purposes=[CHANGE_PURPOSE]
    ):
        meeting_id = int(params.get("meeting_id") or 0)
        if meeting_id not in meeting_ids:
            continue
        changes = params.get("changes") or {}
        cleaned: dict[str, Any] = {}
        for name, pair in changes.items():
            if name == "contact" and meeting_id in planned:
                pair = [BLANK, BLANK]
            elif name in ("topic", "facilitators"):
                pair = [scrub(str(value), words) for value in pair]
            if pair[0] != pair[1]:
                cleaned[name] = pair
        if cleaned != changes:
            await outbox_repo.rewrite_params(
                session, row_id, {**params, "changes": cleaned}, cancel=not cleaned
            )
            changed += 1
    return changed


async def _rewrite_plans_and_maps(session: AsyncSession, person_id: int, words: set[str]) -> int:
    """In the plans, maps and cases of the families around them (linked, a task they hold or
    added, a map they drew): task texts, the closing summary, the names on maps, the request's
    words, the make-up's names and the assessment's notes lose their name's words; queued
    reminders of a changed task carry the new title."""
    if not words:
        return 0
    family_ids = await privacy_repo.families_touching(session, person_id)
    changed = 0
    retitled: list[int] = []
    for task_id, texts in await privacy_repo.plan_task_texts(session, family_ids):
        values = {
            name: new
            for name, old in texts.items()
            if old is not None and (new := scrub(old, words)) != old
        }
        if values:
            await privacy_repo.set_plan_task_texts(session, task_id, **values)
            changed += 1
            if "title" in values:
                retitled.append(task_id)
    for record_id, text in await privacy_repo.case_summaries(session, family_ids):
        if (new := scrub(text, words)) != text:
            await privacy_repo.set_case_summary(session, record_id, new)
            changed += 1
    for row_id, name in await privacy_repo.map_people_names(session, family_ids):
        if (new := scrub(name, words)) != name:
            await privacy_repo.set_map_person_name(session, row_id, new)
            changed += 1
    # The case: the family's words, the make-up's names, notes, consiliums, level reasons.
    for table, column, row_id, text in await privacy_repo.case_texts(session, family_ids):
        if (new := scrub(text, words)) != text:
            await privacy_repo.set_case_text(session, table, column, row_id, new)
            changed += 1
    for row_id, _status, params in await outbox_repo.with_params(
        session,
        purposes=[case_plans.SOON_PURPOSE, case_plans.OVERDUE_PURPOSE],
        object_type=case_plans.OBJECT_TASK,
        object_ids=retitled,
    ):
        title = str(params.get("title") or "")
        if (new := scrub(title, words)) != title:
            await outbox_repo.rewrite_params(session, row_id, {**params, "title": new})
            changed += 1
    return changed


def _is_their_name(listed: str, display_name: str | None) -> bool:
    """A name in the digest: their profile name, maybe cut short with «…»."""
    if not display_name or not listed:
        return False
    return listed == display_name or (listed.endswith("…") and display_name.startswith(listed[:-1]))


# --- withdrawal -----------------------------------------------------------------------------------


async def _anonymise(session: AsyncSession, person_id: int, now: datetime) -> int:
    """Everything that names the person or that they wrote; returns queued messages cancelled."""
    await _rewrite_quotes(session, person_id)
    await privacy_repo.withdraw_consents(session, person_id, now)
    await privacy_repo.drop_roles_and_links(session, person_id)
    await privacy_repo.revoke_open_invitations(session, person_id, now)
    cancelled = await privacy_repo.cancel_and_blank_outbox(session, person_id)
    await privacy_repo.blank_what_they_wrote(session, person_id)
    await privacy_repo.drop_responsibility(session, person_id)
    await privacy_repo.anonymise_person_row(session, person_id, now)
    return cancelled


async def _staff_to_tell(session: AsyncSession, parent_of: list[int]) -> list[Person]:
    """A parent's families' curators (the coordinators when a family has none); for anyone
    else every coordinator."""
    found: dict[int, Person] = {}
    coordinators: list[Person] | None = None
    for family_id in parent_of:
        curators = [
            p
            for kind, p in await families_repo.linked_people(session, family_id)
            if kind == FamilyLinkKind.CURATOR.value
        ]
        if not curators:
            coordinators = coordinators or await people_repo.with_role(
                session, Role.COORDINATOR.value
            )
            curators = coordinators
        found.update((p.id, p) for p in curators)
    if not parent_of:
        found.update((p.id, p) for p in await people_repo.with_role(session, Role.COORDINATOR))
    return [found[key] for key in sorted(found)]


async def withdraw(session: AsyncSession, actor: Actor | None, now: datetime) -> Withdrawal:
    """One transaction (the caller commits): consent withdrawn, roles and links gone, personal
    fields blanked, the staff told. A second call (a stale button) is refused."""
    person = await _own_person(session, actor)
    person_id = person.id
    roles = sorted(r.role for r in person.roles)
    links = await privacy_repo.linked_families(session, person_id)
    parent_of = sorted({fid for kind, fid, _ in links if kind == FamilyLinkKind.PARENT.value})
    session.expunge(person)  # the bulk updates below change the row under the ORM
    cancelled = await _anonymise(session, person_id, now)
    # A parent's family documents (application, signed consent, passport) carry their data.
    await privacy_repo.forget_documents(session, parent_of)
    staff = [p for p in await _staff_to_tell(session, parent_of) if p.id != person_id]
    for member in staff:
        await enqueue(
            session,
            recipient=Recipient(member.id, member.telegram_id),
            purpose=WITHDRAWN_PURPOSE,
            kind=WITHDRAWN_KIND,
            params={
                "person_id": person_id,
                "roles": roles,
                "family_ids": parent_of,
                # The family's name as the staff know it; retention drops it (_forget_families).
                "family_names": [[fid, name] for kind, fid, name in links if fid in parent_of],
            },
            now=now,
            object_type="person",
            object_id=person_id,
        )
    # The record carries the placeholder, not their Telegram id: ids and codes only.
    await audit.record(
        session,
        Actor(person_id, -person_id, frozenset()),
        "consent.withdraw",
        now,
        object_type="person",
        object_id=person_id,
        roles=roles,
        family_ids=parent_of,
        notified=len(staff),
    )
    log.info("person %s withdrew consent; %s staff told", person_id, len(staff))
    return Withdrawal(person_id, roles, parent_of, len(staff), cancelled)


# --- retention ------------------------------------------------------------------------------------


def retention_cutoff(now: datetime, years: int) -> datetime:
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February
        return now.replace(year=now.year - years, day=28)


async def anonymise_closed_batch(
    session: AsyncSession, now: datetime, years: int, limit: int = RETENTION_BATCH
) -> tuple[int, RetentionRun]:
    """One batch of families closed more than `years` ago: (families examined, what was done).
    The caller commits each batch; a family is marked once, so a rerun or a second replica
    does nothing twice."""
    ids = await privacy_repo.closed_before(session, retention_cutoff(now, years), limit)
    run = RetentionRun()
    if not ids:
        return 0, run
    marked = await privacy_repo.anonymise_families(session, ids, now)
    parents = await privacy_repo.unlink_parents(session, marked)
    gone = await privacy_repo.without_active_ties(session, parents, FAMILY_SIDE_ROLES)
    for person_id in gone:
        await _anonymise(session, person_id, now)
    await _forget_families(session, marked)
    run.families, run.people, run.batches, run.family_ids = len(marked), len(gone), 1, marked
    if marked:
        await audit.record(
            session,
            None,
            "retention.anonymise",
            now,
            families=len(marked),
            people=len(gone),
            years=years,
        )
        log.info("retention: %s families, %s people anonymised", len(marked), len(gone))
    return len(ids), run


async def _forget_families(session: AsyncSession, family_ids: list[int]) -> int:
    """Withdrawal notices (queued or kept) that name these anonymised families lose the names:
    they show the family's number. Returns rows changed."""
    gone = set(family_ids)
    changed = 0
    if not gone:
        return 0
    for row_id, _status, params in await outbox_repo.with_params(
        session, purposes=[WITHDRAWN_PURPOSE]
    ):
        names = params.get("family_names") or []
        kept = [item for item in names if int(item[0]) not in gone]
        if kept != names:
            await outbox_repo.rewrite_params(session, row_id, {**params, "family_names": kept})
            changed += 1
    return changed


# --- settled outbox rows --------------------------------------------------------------------------


@dataclass
class OutboxBlanking:
    examined: int = 0
    blanked: int = 0
    last_id: int = 0


async def blank_settled_outbox_batch(
    session: AsyncSession,
    now: datetime,
    keep_days: int,
    after_id: int = 0,
    limit: int = OUTBOX_BATCH,
) -> OutboxBlanking:
    """One batch of messages settled more than `keep_days` ago (sent, failed for good, blocked,
    cancelled) lose their parameters: names and texts are not kept once nobody will render
    them. Key, purpose, object, status, times and error stay, so dedup and /deliveries work.
    The caller commits each batch and passes `last_id` on, so a run reads each row once; on
    PostgreSQL a second replica skips the rows this one holds."""
    cutoff = now - timedelta(days=keep_days)
    ids = await outbox_repo.settled_with_params(session, cutoff, after_id, limit)
    blanked = await outbox_repo.blank_params(session, ids)
    if blanked:
        log.info("outbox: parameters of %s settled messages dropped", blanked)
    return OutboxBlanking(len(ids), blanked, ids[-1] if ids else after_id)
