"""The one answer to "may this person do this to this object?".

Every handler, dialog getter and button calls `authorize` with ids read from the database;
callback data alone never grants anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import FamilyLinkKind, MentorStatus, Person, Role
from bot.db.repositories import concerns as concerns_repo
from bot.db.repositories import families as families_repo
from bot.db.repositories import homework as homework_repo
from bot.db.repositories import meetings as meetings_repo
from bot.db.repositories import mentor_tests as mentor_tests_repo
from bot.db.repositories import programmes as programmes_repo
from bot.db.repositories import visits as visits_repo
from bot.services.errors import AccessDenied


@dataclass(frozen=True)
class Actor:
    person_id: int
    telegram_id: int
    roles: frozenset[str]

    @classmethod
    def of(cls, person: Person) -> Actor:
        return cls(person.id, person.telegram_id, frozenset(r.role for r in person.roles))

    def has(self, role: str) -> bool:
        return role in self.roles


class Action(StrEnum):
    INVITATION_CREATE = "invitation.create"
    INVITATION_LIST = "invitation.list"
    INVITATION_REVOKE = "invitation.revoke"
    FAMILY_CREATE = "family.create"
    FAMILY_LIST = "family.list"
    FAMILY_VIEW = "family.view"  # object: family id; the family card
    FAMILY_MANAGE = "family.manage"  # assign mentors and the curator, close, reopen, level
    VISIT_LOG = "visit.log"  # object: family id
    VISIT_VIEW = "visit.view"  # object: visit id
    VISIT_EDIT = "visit.edit"  # object: visit id; the author's time window is checked by visits
    CONCERN_ACK = "concern.ack"  # object: safety concern id
    PROGRAMME_MANAGE = "programme.manage"  # object: family id; enrol, pause, resume, stop
    PROGRAMME_VIEW = "programme.view"  # object: family id; the enrollment and its progress
    PROGRAMME_RESULT = "programme.result"  # object: family id; override "positive dynamics"
    HOMEWORK_ANSWER = "homework.answer"  # object: homework week id; the family's parents only
    HOMEWORK_REVIEW = "homework.review"  # object: homework week id; open answers, give feedback
    QUESTIONNAIRE_ANSWER = "questionnaire.answer"  # object: enrollment id; the family's parents
    # object: enrollment id; the family's own evaluation of the programme: its parents only
    PROGRAMME_EVALUATE = "programme.evaluate"
    # object: enrollment id; the specialists' evaluation: the family's mentor or curator only
    PROGRAMME_SPECIALIST_EVALUATE = "programme.specialist_evaluate"
    MEETING_MANAGE = "meeting.manage"  # plan, invite, board, cancel: coordinators
    MEETING_PARTICIPATE = "meeting.participate"  # object: meeting participant id; that person
    STATS_VIEW = "stats.view"  # /stats, /report, /charts: figures for the whole service
    DATA_EXPORT = "data.export"  # /export: raw data with personal data
    DELIVERIES_VIEW = "deliveries.view"  # /deliveries: outbox counts and failed deliveries
    CASE_VIEW = "case.view"  # object: family id; the request and the make-up (its staff)
    CASE_KEEP = "case.keep"  # object: family id; record the intake, assessment, documents
    # object: family id; the assessment and the documents: coordinators (the curator is one);
    # the family's mentors too when the service allows it (MENTORS_SEE_CASE_DETAILS)
    CASE_DETAILS = "case.details"
    LEARN = "learn"  # /learn: the course, one's own progress, materials, contacts: mentors
    # /learn for coordinators: record a session held in person, upload or remove a material,
    # confirm a candidate who finished the course as trained
    TRAINING_KEEP = "training.keep"
    # The candidates' test: a mentor whose registry status is candidate takes it (their own);
    # coordinators see the result and the answers (object: attempt id).
    MENTOR_TEST_TAKE = "mentor_test.take"
    MENTOR_TEST_VIEW = "mentor_test.view"
    MENTOR_REGISTRY = "mentor.registry"  # /mentors: the registry and a mentor's card
    MENTOR_STATUS = "mentor.status"  # object: person id; move a mentor's status


# Actions open to coordinators only; coordinators see their whole service.
COORDINATOR_ACTIONS = frozenset(
    {
        Action.INVITATION_CREATE,
        Action.INVITATION_LIST,
        Action.INVITATION_REVOKE,
        Action.FAMILY_CREATE,
        Action.FAMILY_LIST,
        Action.FAMILY_MANAGE,
        Action.PROGRAMME_RESULT,
        Action.MEETING_MANAGE,
        Action.STATS_VIEW,
        Action.DATA_EXPORT,
        Action.DELIVERIES_VIEW,
        Action.CASE_KEEP,
        Action.CASE_DETAILS,
        Action.TRAINING_KEEP,
        Action.MENTOR_TEST_VIEW,
        Action.MENTOR_REGISTRY,
        Action.MENTOR_STATUS,
    }
)

# A family's own answers come from its parents, a participant's from that participant: a
# coordinator does not hand in homework or answer an invitation for someone else.
PARENT_ACTIONS = frozenset(
    {Action.HOMEWORK_ANSWER, Action.QUESTIONNAIRE_ANSWER, Action.PROGRAMME_EVALUATE}
)
OWN_ACTIONS = PARENT_ACTIONS | {Action.MEETING_PARTICIPATE}

# Who may open a family's card besides coordinators: its mentors and its curator.
FAMILY_STAFF = frozenset({FamilyLinkKind.MENTOR.value, FamilyLinkKind.CURATOR.value})


async def is_allowed(
    session: AsyncSession, actor: Actor | None, action: Action, object_id: int | None = None
) -> bool:
    if actor is None:
        return False
    if action is Action.MEETING_PARTICIPATE:
        participant = (
            await meetings_repo.participant_by_id(session, object_id) if object_id else None
        )
        return participant is not None and participant.person_id == actor.person_id
    if action in PARENT_ACTIONS:
        return object_id is not None and await _is_parent(session, actor, action, object_id)
    if action is Action.MENTOR_TEST_TAKE:  # one's own test: a coordinator does not take it for them
        profile = await mentor_tests_repo.profile_of(session, actor.person_id)
        return (
            actor.has(Role.MENTOR)
            and profile is not None
            and profile.status == MentorStatus.CANDIDATE
        )
    if action is Action.PROGRAMME_SPECIALIST_EVALUATE:
        # The family's own specialists judge its programme; a coordinator's role alone does not.
        enrollment = await programmes_repo.by_id(session, object_id) if object_id else None
        return enrollment is not None and await families_repo.is_linked(
            session, enrollment.family_id, actor.person_id, FAMILY_STAFF
        )
    if actor.has(Role.COORDINATOR):
        return True
    if action in COORDINATOR_ACTIONS:
        return False
    if action is Action.LEARN:
        return actor.has(Role.MENTOR)
    if object_id is None:
        return False
    if action is Action.FAMILY_VIEW:
        return await families_repo.is_linked(session, object_id, actor.person_id, FAMILY_STAFF)
    if action is Action.VISIT_LOG:
        return await families_repo.is_linked(
            session, object_id, actor.person_id, {FamilyLinkKind.MENTOR.value}
        )
    if action is Action.PROGRAMME_MANAGE:
        return await families_repo.is_linked(
            session, object_id, actor.person_id, {FamilyLinkKind.MENTOR.value}
        )
    if action in (Action.PROGRAMME_VIEW, Action.CASE_VIEW):
        return await families_repo.is_linked(session, object_id, actor.person_id, FAMILY_STAFF)
    if action is Action.HOMEWORK_REVIEW:
        family_id = await _family_of_week(session, object_id)
        return family_id is not None and await families_repo.is_linked(
            session, family_id, actor.person_id, FAMILY_STAFF
        )
    if action in (Action.VISIT_VIEW, Action.VISIT_EDIT):
        visit = await visits_repo.by_id(session, object_id)
        if visit is None:
            return False
        if action is Action.VISIT_EDIT:
            return visit.mentor_id == actor.person_id
        return visit.mentor_id == actor.person_id or await families_repo.is_linked(
            session, visit.family_id, actor.person_id, FAMILY_STAFF
        )
    if action is Action.CONCERN_ACK:
        concern = await concerns_repo.by_id(session, object_id)
        return concern is not None and await families_repo.is_linked(
            session, concern.family_id, actor.person_id, {FamilyLinkKind.CURATOR.value}
        )
    return False


async def _family_of_week(session: AsyncSession, week_id: int) -> int | None:
    week = await homework_repo.week_by_id(session, week_id)
    if week is None:
        return None
    enrollment = await programmes_repo.by_id(session, week.enrollment_id)
    return enrollment.family_id if enrollment else None


async def _is_parent(session: AsyncSession, actor: Actor, action: Action, object_id: int) -> bool:
    if action is Action.HOMEWORK_ANSWER:
        family_id = await _family_of_week(session, object_id)
    else:
        enrollment = await programmes_repo.by_id(session, object_id)
        family_id = enrollment.family_id if enrollment else None
    return family_id is not None and await families_repo.is_linked(
        session, family_id, actor.person_id, {FamilyLinkKind.PARENT.value}
    )


async def authorize(
    session: AsyncSession, actor: Actor | None, action: Action, object_id: int | None = None
) -> None:
    if not await is_allowed(session, actor, action, object_id):
        raise AccessDenied(action)
