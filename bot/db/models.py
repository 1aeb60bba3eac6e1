"""Tables. Store the minimum: ids, roles, the family's service name, times in UTC."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db.base import Base, UTCDateTime


class Role(StrEnum):
    COORDINATOR = "coordinator"
    MENTOR = "mentor"
    PARENT = "parent"
    PARTICIPANT = "participant"


class SupportLevel(StrEnum):
    BASIC = "basic"
    CRISIS = "crisis"


class FamilyLinkKind(StrEnum):
    PARENT = "parent"
    MENTOR = "mentor"
    CURATOR = "curator"


class CloseReason(StrEnum):
    IMPROVEMENT = "improvement"  # снята с учёта по улучшению
    MOVED = "moved"
    REFUSED = "refused"
    OTHER = "other"


class EnrollmentStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    STOPPED = "stopped"
    COMPLETED = "completed"


class AnswerKind(StrEnum):
    TEXT = "text"
    PHOTO = "photo"
    VOICE = "voice"
    DOCUMENT = "document"


class QuestionnairePhase(StrEnum):
    ENTRY = "entry"
    EXIT = "exit"


class MeetingFormat(StrEnum):
    DIALOGUE = "dialogue"  # встреча-диалог
    PROCESS = "process"  # встреча-процесс
    FAMILY_COUNCIL = "family_council"  # семейный совет
    SUPPORT_GROUP = "support_group"  # встреча группы поддержки


class MeetingStatus(StrEnum):
    PLANNED = "planned"
    HELD = "held"
    CANCELLED = "cancelled"


class Relation(StrEnum):
    """A participant's relation to the child."""

    MOTHER = "mother"
    FATHER = "father"
    RELATIVE = "relative"
    FRIEND = "friend"
    NEIGHBOUR = "neighbour"
    TEACHER = "teacher"  # teacher or carer
    SPECIALIST = "specialist"
    OFFICIAL = "official"
    OTHER = "other"


class Rsvp(StrEnum):
    YES = "yes"  # Приду
    NO = "no"  # Не смогу
    MAYBE = "maybe"  # Пока не знаю


class OutboxStatus(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"  # taken by a worker, not attempted yet: safe to hand back
    SENDING = "sending"  # a send may be in flight: never retried blindly
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"
    CANCELLED = "cancelled"


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    locale: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when consent was withdrawn (or retention removed them): the row only keeps counts joined.
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    roles: Mapped[list[PersonRole]] = relationship(
        back_populates="person", lazy="selectin", cascade="all, delete-orphan"
    )


class PersonRole(Base):
    __tablename__ = "person_roles"
    __table_args__ = (UniqueConstraint("person_id", "role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime())

    person: Mapped[Person] = relationship(back_populates="roles")


class Consent(Base):
    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    text_version: Mapped[str] = mapped_column(String(32))
    locale: Mapped[str] = mapped_column(String(8))
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Family(Base):
    __tablename__ = "families"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    # casefold() of the name: SQLite's lower() folds ASCII only, so Cyrillic search needs this.
    search_name: Mapped[str] = mapped_column(String(128))
    category: Mapped[str] = mapped_column(String(32))
    support_level: Mapped[str] = mapped_column(String(16))
    timezone: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_reason: Mapped[str | None] = mapped_column(String(32))
    closed_note: Mapped[str | None] = mapped_column(Text)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    # Set by the retention job once the closed family's personal data was removed.
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("ix_families_search_name", "search_name"),
        Index("ix_families_category", "category"),  # /stats scoped to a category
        Index("ix_families_retention", "anonymised_at", "closed_at"),
    )


class FamilyLink(Base):
    """Who is attached to a family and how: parent, mentor or curator."""

    __tablename__ = "family_links"
    __table_args__ = (UniqueConstraint("family_id", "person_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Invitation(Base):
    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Only a hash is stored: a leaked database does not hand out working links.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    family_id: Mapped[int | None] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A personal invitation to a network meeting: joining binds the person to this participant.
    meeting_participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting_participants.id", ondelete="CASCADE")
    )
    # A mentor invitation may make the person a candidate (MentorStatus) rather than active.
    mentor_status: Mapped[str | None] = mapped_column(String(16))

    __table_args__ = (Index("ix_invitations_open", "used_at", "revoked_at", "expires_at"),)


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    actor_telegram_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[int | None] = mapped_column(Integer)
    # Ids and codes only, never names or message texts.
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class OutboxMessage(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(200), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    purpose: Mapped[str] = mapped_column(String(48))
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(48))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    family_facing: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(String(255))

    __table_args__ = (
        Index("ix_outbox_due", "status", "due_at"),
        Index("ix_outbox_object", "object_type", "object_id"),
    )


class Visit(Base):
    """A mentor's patronage visit. Methods, help and the scale words are codes from content/."""

    __tablename__ = "visits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"))
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    visit_date: Mapped[date] = mapped_column(Date)  # the day the mentor gave, family's calendar
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    format: Mapped[str] = mapped_column(String(16))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    methods: Mapped[list[str]] = mapped_column(JSON)
    help_given: Mapped[list[str]] = mapped_column(JSON)
    situation: Mapped[int] = mapped_column(Integer)  # 1..5
    concern: Mapped[bool] = mapped_column(Boolean, default=False)
    concern_text: Mapped[str | None] = mapped_column(Text)
    notes_text: Mapped[str | None] = mapped_column(Text)
    notes_voice_file_id: Mapped[str | None] = mapped_column(String(255))
    next_visit_date: Mapped[date | None] = mapped_column(Date)
    # One key per filled form: a double tap or a resent update saves the visit once.
    draft_key: Mapped[str] = mapped_column(String(64), unique=True)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("ix_visits_family_date", "family_id", "visit_date"),
        Index("ix_visits_mentor_date", "mentor_id", "visit_date"),
        Index("ix_visits_next_date", "next_visit_date"),
        # Partial twins for the digest and reminders, which only ever look at live visits.
        Index(
            "ix_visits_family_live",
            "family_id",
            "visit_date",
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
        Index(
            "ix_visits_mentor_live",
            "mentor_id",
            "visit_date",
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
    )


class VisitCode(Base):
    """One code of a live visit's methods or help, with the visit's family and day: what /stats
    and /report total per code without unnesting every visit's JSON lists. Written with the
    visit by bot/db/repositories/visits.py (and migration 0013 from the visits before it); a
    deleted visit has none."""

    __tablename__ = "visit_codes"

    visit_id: Mapped[int] = mapped_column(
        ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)  # "method" | "help"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"))
    visit_date: Mapped[date] = mapped_column(Date)

    __table_args__ = (
        # All families: per code of one kind, the period's rows in code order (no sorting),
        # read from the index alone.
        Index("ix_visit_codes_code", "kind", "code", "visit_date", "family_id"),
        # One mentor's or one category's families (the scope is a set of family ids).
        Index("ix_visit_codes_family", "family_id", "kind", "visit_date", "code"),
    )


class SafetyConcern(Base):
    """A child-safety concern from a visit, alerted until someone takes it on."""

    __tablename__ = "safety_concerns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), unique=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    alerts_sent: Mapped[int] = mapped_column(Integer, default=0)
    next_alert_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL")
    )


class FsmRecord(Base):
    """aiogram FSM state and data, so a restart never loses a half-filled form."""

    __tablename__ = "fsm_records"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    state: Mapped[str | None] = mapped_column(String(255))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Enrollment(Base):
    """A family in a weekly programme. One active-or-paused enrollment per family at a time."""

    __tablename__ = "enrollments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"))
    programme_code: Mapped[str] = mapped_column(String(64))
    start_date: Mapped[date] = mapped_column(Date)  # the family's calendar
    release_weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday
    release_time: Mapped[time] = mapped_column(Time)  # family local time
    due_days: Mapped[int] = mapped_column(Integer, default=3)
    status: Mapped[str] = mapped_column(String(16), default=EnrollmentStatus.ACTIVE)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    # The release job's cursor: when the next week is due (UTC); None when nothing is due.
    next_release_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    entry_total: Mapped[int | None] = mapped_column(Integer)
    exit_total: Mapped[int | None] = mapped_column(Integer)
    positive_override: Mapped[bool | None] = mapped_column(Boolean)
    override_note: Mapped[str | None] = mapped_column(Text)
    override_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def positive_dynamics(self) -> bool | None:
        """Completed with positive dynamics: exit total above entry total, unless a
        coordinator decided otherwise. None while either questionnaire is missing."""
        if self.positive_override is not None:
            return self.positive_override
        if self.entry_total is None or self.exit_total is None:
            return None
        return self.exit_total > self.entry_total

    __table_args__ = (
        Index("ix_enrollments_family", "family_id"),
        Index("ix_enrollments_due", "status", "next_release_at"),
        Index(
            "uq_enrollments_family_current",
            "family_id",
            unique=True,
            sqlite_where=text("status IN ('active', 'paused')"),
            postgresql_where=text("status IN ('active', 'paused')"),
        ),
    )


class HomeworkWeek(Base):
    """One released week of an enrollment: created when the week is released."""

    __tablename__ = "homework_weeks"
    __table_args__ = (
        UniqueConstraint("enrollment_id", "week_number"),
        Index("ix_homework_weeks_open_due", "done_at", "due_at"),
        Index("ix_homework_weeks_digest", "digested_at", "done_at"),
        # /stats: hand-in by week of a period's releases, ratings of a period's hand-ins.
        Index(
            "ix_homework_weeks_released", "released_at", "week_number", "done_at", "enrollment_id"
        ),
        Index("ix_homework_weeks_done_rating", "done_at", "rating", "enrollment_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="CASCADE"))
    week_number: Mapped[int] = mapped_column(Integer)
    released_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    late_until: Mapped[datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    rating: Mapped[int | None] = mapped_column(Integer)  # 1..10
    rating_comment: Mapped[str | None] = mapped_column(Text)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    # When the hand-in went into the mentors' digest; None while it waits for the next one.
    digested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Reminders queued so far (0, 1 at the due time, 2 two days later): the reminder scan skips
    # weeks it is done with instead of re-checking every overdue week on every run.
    reminders_queued: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class HomeworkAnswer(Base):
    """One message a parent sent as the week's answer; media are kept as Telegram file ids."""

    __tablename__ = "homework_answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    homework_week_id: Mapped[int] = mapped_column(
        ForeignKey("homework_weeks.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(Text)
    file_id: Mapped[str | None] = mapped_column(String(255))
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    late: Mapped[bool] = mapped_column(Boolean, default=False)


class QuestionnaireResponse(Base):
    """The entry or exit self-assessment of a family: statement code -> 1..5."""

    __tablename__ = "questionnaire_responses"
    __table_args__ = (UniqueConstraint("enrollment_id", "phase"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    phase: Mapped[str] = mapped_column(String(8))
    answers: Mapped[dict[str, int]] = mapped_column(JSON)
    total: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class HomeworkFeedback(Base):
    """A mentor's reply to a handed-in week, delivered to the family's parents."""

    __tablename__ = "homework_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    homework_week_id: Mapped[int] = mapped_column(
        ForeignKey("homework_weeks.id", ondelete="CASCADE"), index=True
    )
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    # One key per written reply: a double tap or a resent update stores and sends it once.
    draft_key: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Meeting(Base):
    """A network meeting around a child. Only the child's first name is stored."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"))
    child_name: Mapped[str] = mapped_column(String(64))
    topic: Mapped[str] = mapped_column(Text)  # in the child's words
    format: Mapped[str] = mapped_column(String(24))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    timezone: Mapped[str] = mapped_column(String(64))  # the family's zone when it was planned
    place: Mapped[str] = mapped_column(Text)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    facilitators: Mapped[str] = mapped_column(Text)
    contact: Mapped[str] = mapped_column(Text)  # the coordinator's contact for participants
    note: Mapped[str] = mapped_column(Text)  # a short note on the situation, for the invitation
    status: Mapped[str] = mapped_column(String(16), default=MeetingStatus.PLANNED)
    # Why the meeting is called: a code of content/meetings.yaml's reasons; None before issue 20.
    reason: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # One key per filled form: a double tap on Save creates one meeting.
    draft_key: Mapped[str] = mapped_column(String(64), unique=True)

    __table_args__ = (
        Index("ix_meetings_starts_at", "starts_at"),
        Index("ix_meetings_family", "family_id"),
        # /stats: a period's held (or not cancelled) meetings and their families, index only.
        Index("ix_meetings_starts_status", "starts_at", "status", "family_id", "id"),
    )


class MeetingParticipant(Base):
    """Someone the child named for the meeting: invited by a personal link or, when they already
    use the bot, directly; their answer (RSVP) and later their attendance."""

    __tablename__ = "meeting_participants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(128))
    relation: Mapped[str] = mapped_column(String(24))
    approved_by_child: Mapped[bool] = mapped_column(Boolean, default=False)
    phone: Mapped[str | None] = mapped_column(String(32))
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rsvp: Mapped[str | None] = mapped_column(String(8))
    rsvp_comment: Mapped[str | None] = mapped_column(Text)
    rsvp_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attended: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        # /stats: invitations, answers and attendance of a period's meetings, index only.
        Index("ix_meeting_participants_answers", "meeting_id", "invited_at", "rsvp", "attended"),
    )


class SrsResponse(Base):
    """An attendee's Session Rating Scale after a network meeting: item code -> 0..10. Once
    sent it cannot be changed."""

    __tablename__ = "srs_responses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_participants.id", ondelete="CASCADE"), unique=True
    )
    scores: Mapped[dict[str, int]] = mapped_column(JSON)
    total: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    # The optional open question after the items ("what will you do differently?").
    reflection: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MeetingDecision(Base):
    """A decision of a network meeting: what, who, by when. The coordinator is reminded of its
    date; `done_at` closes it."""

    __tablename__ = "meeting_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    what: Mapped[str] = mapped_column(Text)
    who: Mapped[str] = mapped_column(String(128))
    due_date: Mapped[date] = mapped_column(Date)  # the family's calendar
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Marked not done at the two-week follow-up, with why; cleared when it is done after all.
    not_done_reason: Mapped[str | None] = mapped_column(Text)
    not_done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class TieNature(StrEnum):
    """How a person on a child's social map bears on the child."""

    SUPPORTIVE = "supportive"
    NEUTRAL = "neutral"
    CONFLICTUAL = "conflictual"


class SocialMap(Base):
    """A dated snapshot of a child's social map (карта социальных связей). Only the child's first
    name (or a label such as «старший») is stored, as for meetings."""

    __tablename__ = "social_maps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"))
    child_name: Mapped[str] = mapped_column(String(64))
    # casefold() of the child's name: the same child across snapshots and meetings.
    child_key: Mapped[str] = mapped_column(String(64))
    taken_on: Mapped[date] = mapped_column(Date)  # the family's calendar
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    # The snapshot this one was copied from, if any.
    copied_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("social_maps.id", ondelete="SET NULL")
    )

    __table_args__ = (
        Index("ix_social_maps_child", "family_id", "child_key", "taken_on", "id"),
        # /stats: the period's snapshots, index only.
        Index("ix_social_maps_taken_on", "taken_on", "family_id"),
    )


class SocialMapPerson(Base):
    """Someone around the child on one snapshot. `key` is carried over when a snapshot is copied,
    so the same person is matched across snapshots whatever their name is written like."""

    __tablename__ = "social_map_people"
    __table_args__ = (UniqueConstraint("map_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    map_id: Mapped[int] = mapped_column(ForeignKey("social_maps.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(64))  # a first name or how the child calls them
    relation: Mapped[str] = mapped_column(String(24))  # Relation
    circle: Mapped[int] = mapped_column(Integer)  # 1 closest .. 3
    nature: Mapped[str] = mapped_column(String(16))  # TieNature
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CaseStage(StrEnum):
    """Stages of a case (the model programme). "closed" is the family's closing itself."""

    INTAKE = "intake"  # request and diagnosis
    PLAN_APPROVED = "plan_approved"
    MONITORING = "monitoring"  # the plan carried out, with monitoring
    FINAL_MONITORING = "final_monitoring"
    CLOSED = "closed"


class PlanTaskStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    NOT_DONE = "not_done"


class CaseRecord(Base):
    """A family's case: its stage and, once closed, the final meeting. No row = request and
    diagnosis; closing itself stays on the family (closed_at, reason, note)."""

    __tablename__ = "case_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    family_id: Mapped[int] = mapped_column(
        ForeignKey("families.id", ondelete="CASCADE"), unique=True
    )
    stage: Mapped[str] = mapped_column(String(24), default=CaseStage.INTAKE)
    stage_at: Mapped[datetime] = mapped_column(UTCDateTime())
    stage_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    final_meeting_date: Mapped[date | None] = mapped_column(Date)  # the family's calendar
    final_summary: Mapped[str | None] = mapped_column(Text)
    # Who approved the plan and when: a coordinator, or a consilium (its id).
    plan_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    plan_approved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL")
    )
    plan_approved_consilium_id: Mapped[int | None] = mapped_column(
        ForeignKey("consiliums.id", ondelete="SET NULL")
    )
    # The parting, planned ahead (the curator is reminded the day before), and the family's own
    # words at it about before and after (the client speaks first).
    final_meeting_planned_on: Mapped[date | None] = mapped_column(Date)
    words_before: Mapped[str | None] = mapped_column(Text)
    words_after: Mapped[str | None] = mapped_column(Text)


class PlanTask(Base):
    """A task of the family's individual social-support plan (ИПСС). The responsible one is a
    person in the bot or, failing that, a few words («школа»); reminders then go to the family's
    curator and mentors."""

    __tablename__ = "plan_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(Text)
    criteria: Mapped[str | None] = mapped_column(Text)  # success criteria
    family_part: Mapped[str | None] = mapped_column(Text)  # what the family does
    specialists_part: Mapped[str | None] = mapped_column(Text)  # what specialists do
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    responsible_text: Mapped[str | None] = mapped_column(String(80))
    due_date: Mapped[date] = mapped_column(Date)  # the family's calendar
    status: Mapped[str] = mapped_column(String(16), default=PlanTaskStatus.PLANNED)
    status_note: Mapped[str | None] = mapped_column(Text)  # why it was not done
    status_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Where it came from with one tap: ("visit" | "meeting_decision", id); once per source.
    source_type: Mapped[str | None] = mapped_column(String(24))
    source_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))

    __table_args__ = (
        Index("ix_plan_tasks_family", "family_id", "due_date"),
        # The reminder scan and the digest: open tasks by deadline.
        Index("ix_plan_tasks_open_due", "status", "due_date"),
        UniqueConstraint("family_id", "source_type", "source_id"),
    )


class AssessmentPhase(StrEnum):
    INTAKE = "intake"  # the preliminary assessment at the request
    FINAL = "final"  # again at the final monitoring


class CaseRequest(Base):
    """How the family came to the service (обращение): one per family, kept by a coordinator.
    Codes come from content/intake.yaml; the family's own words are the only free text."""

    __tablename__ = "case_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    family_id: Mapped[int] = mapped_column(
        ForeignKey("families.id", ondelete="CASCADE"), unique=True
    )
    received_on: Mapped[date] = mapped_column(Date)  # the family's calendar
    source: Mapped[str] = mapped_column(String(32))
    words: Mapped[str | None] = mapped_column(Text)  # the request in the family's own words
    difficulties: Mapped[list[str]] = mapped_column(JSON, default=list)
    level: Mapped[str] = mapped_column(String(16))  # SupportLevel chosen at intake
    level_signs: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))

    __table_args__ = (Index("ix_case_requests_received", "received_on"),)


class FamilyMember(Base):
    """The family's make-up, the minimum: a first name or a label («старший»), the year of
    birth, child or adult, and an adult's relation to the children (a content code)."""

    __tablename__ = "family_members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    is_child: Mapped[bool] = mapped_column(Boolean)
    relation: Mapped[str | None] = mapped_column(String(24))  # adults only
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))

    __table_args__ = (Index("ix_family_members_family", "family_id", "is_child"),)


class CaseAssessment(Base):
    """One aspect of the preliminary (intake) or final assessment: a score on the short scale
    of content/assessment.yaml and a note. One row per family, phase and aspect."""

    __tablename__ = "case_assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"))
    phase: Mapped[str] = mapped_column(String(16))  # AssessmentPhase
    aspect: Mapped[str] = mapped_column(String(32))
    score: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    assessed_on: Mapped[date] = mapped_column(Date)  # the family's calendar
    assessed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("family_id", "phase", "aspect"),)


class CaseDocument(Base):
    """A document of the case (social passport, inspection act, application, signed consent…):
    its kind (content/intake.yaml), its date and the Telegram file id only, never a copy."""

    __tablename__ = "case_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    dated: Mapped[date] = mapped_column(Date)
    media: Mapped[str] = mapped_column(String(16))  # "photo" | "document"
    # Blanked by withdrawal and retention: the row (kind, date) stays for the case's history.
    file_id: Mapped[str | None] = mapped_column(String(256))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))

    __table_args__ = (Index("ix_case_documents_family", "family_id", "dated"),)


class ConsiliumOutcome(StrEnum):
    APPROVE_PLAN = "approve_plan"
    CONTINUE = "continue"
    CHANGE_LEVEL = "change_level"
    CHANGE_PLAN = "change_plan"  # its decisions become plan tasks with one tap
    FINAL_MONITORING = "final_monitoring"
    CLOSE = "close"


class Consilium(Base):
    """A consilium (консилиум) reviewing a family's case: planned for a day of the family's
    calendar (the curator and the coordinator who planned it are reminded the day before), then
    held: who took part (people who use the bot by id, others in a few words), what was decided,
    and the next review, planned as a consilium of its own."""

    __tablename__ = "consiliums"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"))
    planned_on: Mapped[date] = mapped_column(Date)
    held_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(24))  # ConsiliumOutcome
    participant_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    participants_text: Mapped[str | None] = mapped_column(Text)  # «психолог ЦСОН»
    note: Mapped[str | None] = mapped_column(Text)
    next_review_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    held_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("ix_consiliums_family", "family_id", "planned_on"),
        Index("ix_consiliums_planned", "planned_on", "held_on"),  # the reminder scan, overdue
    )


class ConsiliumDecision(Base):
    """What a consilium decided for the plan: what, who (a few words), by when; one tap makes
    it a plan task (plan_tasks.source_type "consilium_decision")."""

    __tablename__ = "consilium_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consilium_id: Mapped[int] = mapped_column(
        ForeignKey("consiliums.id", ondelete="CASCADE"), index=True
    )
    what: Mapped[str] = mapped_column(Text)
    who: Mapped[str | None] = mapped_column(String(80))
    due_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))


class LevelSource(StrEnum):
    CARD = "card"  # a coordinator on the family card, with a reason
    CONSILIUM = "consilium"
    INTAKE = "intake"  # the request's level (its signs say why)
    CONCERN = "concern"  # «raise to crisis» under a child-safety concern alert


class LevelChange(Base):
    """Why a family's support level changed (basic ↔ crisis), by whom: a coordinator on the
    card, a consilium, or the request at intake."""

    __tablename__ = "level_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"))
    from_level: Mapped[str] = mapped_column(String(16))
    to_level: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))  # LevelSource
    reason: Mapped[str | None] = mapped_column(Text)
    consilium_id: Mapped[int | None] = mapped_column(
        ForeignKey("consiliums.id", ondelete="SET NULL")
    )
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))

    __table_args__ = (Index("ix_level_changes_family", "family_id", "changed_at"),)


# Evidence that change lasts (issue 20): the family's and the specialists' evaluation of a
# programme, follow-ups within a year, and a network meeting's process and follow-up.


class ProgrammeEvaluation(Base):
    """The family's own evaluation of a programme, asked right after the exit questionnaire:
    statement code -> 1..5 (content/evaluation.yaml) and one open answer. Once per enrollment."""

    __tablename__ = "programme_evaluations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE"), unique=True
    )
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    answers: Mapped[dict[str, int]] = mapped_column(JSON)
    open_answer: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class FurtherWork(StrEnum):
    """The specialists' answer to "is further work needed?" at a programme's end."""

    ANOTHER_PROGRAMME = "another_programme"
    CASE_PLAN = "case_plan"
    CLOSING = "closing"  # no further work: the case may close


class SpecialistEvaluation(Base):
    """The family's mentor or curator on a completed programme: engagement, homework done, the
    programme's fit (1..5 each) and whether further work is needed. Once per enrollment."""

    __tablename__ = "specialist_evaluations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE"), unique=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    engagement: Mapped[int] = mapped_column(Integer)
    homework: Mapped[int] = mapped_column(Integer)
    fit: Mapped[int] = mapped_column(Integer)
    further: Mapped[str] = mapped_column(String(24))  # FurtherWork
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class QuestionnaireFollowUp(Base):
    """The self-assessment questionnaire again N months after a completed programme (months
    from the programme's file): released at the family's local daytime, reminded once, answered
    once; cancelled when the case closes for another reason or consent is withdrawn."""

    __tablename__ = "questionnaire_follow_ups"
    __table_args__ = (
        UniqueConstraint("enrollment_id", "months"),
        # The release and reminder scans: what is due and still waiting.
        Index("ix_questionnaire_follow_ups_due", "answered_at", "cancelled_at", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="CASCADE"))
    months: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())  # family-local daytime, in UTC
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    answers: Mapped[dict[str, int] | None] = mapped_column(JSON)
    total: Mapped[int | None] = mapped_column(Integer)


class MeetingProcessAssessment(Base):
    """The facilitators' assessment of a held meeting's process: phase code -> 0..3 (how far
    the meeting moved in it, content/meetings.yaml) and the reflection group's note. One per
    meeting; the coordinator may correct it."""

    __tablename__ = "meeting_process_assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), unique=True
    )
    phases: Mapped[dict[str, int]] = mapped_column(JSON)
    reflection_note: Mapped[str | None] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MeetingFollowUp(Base):
    """The record two weeks after a held meeting: how the child and the family are now (their
    words), whether a new social map or a new meeting is needed. The decisions' outcomes are on
    the decisions themselves (done_at, not_done_reason)."""

    __tablename__ = "meeting_follow_ups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), unique=True
    )
    child_now: Mapped[str | None] = mapped_column(Text)
    family_now: Mapped[str | None] = mapped_column(Text)
    new_map_needed: Mapped[bool] = mapped_column(Boolean, default=False)
    new_meeting_needed: Mapped[bool] = mapped_column(Boolean, default=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


# The mentors' path (issue 21): the registry's statuses, the candidates' test, the course and the
# materials.


class MentorStatus(StrEnum):
    CANDIDATE = "candidate"
    TESTED = "tested"
    TRAINED = "trained"
    ACTIVE = "active"
    PAUSED = "paused"
    LEFT = "left"


class MentorProfile(Base):
    """A mentor's place in the registry: the status now (the history is in
    mentor_status_changes). Every person with the mentor role has one; mentors who joined before
    the registry are active."""

    __tablename__ = "mentor_profiles"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(16))  # MentorStatus
    status_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_mentor_profiles_status", "status"),)


class MentorStatusChange(Base):
    """Who moved a mentor's status, when, and why (a reason code of content/mentors.yaml)."""

    __tablename__ = "mentor_status_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))

    __table_args__ = (Index("ix_mentor_status_changes_person", "person_id", "changed_at"),)


class MentorTestAttempt(Base):
    """A candidate's test taken in the chat: question code -> chosen option code, the score
    against the pass mark of content/mentor_test.yaml; finished_at None while it runs."""

    __tablename__ = "mentor_test_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    answers: Mapped[dict[str, str]] = mapped_column(JSON)
    score: Mapped[int | None] = mapped_column(Integer)
    out_of: Mapped[int | None] = mapped_column(Integer)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_mentor_test_attempts_person", "person_id", "started_at"),)


class LessonProgress(Base):
    """A lesson of the course (content/course.yaml) a mentor or candidate marked «Готово», with
    their optional thoughts on its question and the minutes the file counts for it."""

    __tablename__ = "lesson_progress"
    __table_args__ = (UniqueConstraint("person_id", "lesson_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    lesson_code: Mapped[str] = mapped_column(String(64))
    subject_code: Mapped[str] = mapped_column(String(64))
    minutes: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    done_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TrainingSession(Base):
    """A training session held in person, recorded by a coordinator: date, subject, hours."""

    __tablename__ = "training_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    held_on: Mapped[date] = mapped_column(Date)
    subject_code: Mapped[str] = mapped_column(String(64))
    minutes: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_training_sessions_person", "person_id", "held_on"),)


class MentorMaterial(Base):
    """A file for mentors a coordinator sent in the chat (a guide, a memo): kept as Telegram's
    file id only, with a title."""

    __tablename__ = "mentor_materials"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(128))
    media: Mapped[str] = mapped_column(String(16))  # document | photo
    file_id: Mapped[str | None] = mapped_column(String(255))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
