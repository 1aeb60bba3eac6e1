"""The words for stored codes (support level, close reason, case stage, plan task status, meeting
format, relation, answer), marked for translation once and shown wherever the code is: dialogs,
notices and exports. Keys are the StrEnum members, so a plain stored string finds its label too."""

from __future__ import annotations

from bot.db.models import (
    CaseStage,
    CloseReason,
    ConsiliumOutcome,
    EnrollmentStatus,
    FurtherWork,
    LevelSource,
    MeetingFormat,
    PlanTaskStatus,
    Relation,
    Rsvp,
    SupportLevel,
)
from bot.i18n import N_

SUPPORT_LEVELS = {SupportLevel.BASIC: N_("basic"), SupportLevel.CRISIS: N_("crisis")}
CLOSE_REASONS = {
    CloseReason.IMPROVEMENT: N_("situation improved (taken off the register)"),
    CloseReason.MOVED: N_("the family moved away"),
    CloseReason.REFUSED: N_("the family refused support"),
    CloseReason.OTHER: N_("other reason"),
}
CASE_STAGES = {
    CaseStage.INTAKE: N_("request and diagnosis"),
    CaseStage.PLAN_APPROVED: N_("plan approved"),
    CaseStage.MONITORING: N_("plan carried out, with monitoring"),
    CaseStage.FINAL_MONITORING: N_("final monitoring"),
    CaseStage.CLOSED: N_("closed"),
}
TASK_STATUSES = {
    PlanTaskStatus.PLANNED: N_("planned"),
    PlanTaskStatus.IN_PROGRESS: N_("in progress"),
    PlanTaskStatus.DONE: N_("done"),
    PlanTaskStatus.NOT_DONE: N_("not done"),
}
MEETING_FORMATS = {
    MeetingFormat.DIALOGUE: N_("meeting-dialogue"),
    MeetingFormat.PROCESS: N_("meeting-process"),
    MeetingFormat.FAMILY_COUNCIL: N_("family council"),
    MeetingFormat.SUPPORT_GROUP: N_("support-group meeting"),
}
RELATIONS = {
    Relation.MOTHER: N_("mother"),
    Relation.FATHER: N_("father"),
    Relation.RELATIVE: N_("relative"),
    Relation.FRIEND: N_("friend"),
    Relation.NEIGHBOUR: N_("neighbour"),
    Relation.TEACHER: N_("teacher or carer"),
    Relation.SPECIALIST: N_("specialist"),
    Relation.OFFICIAL: N_("official"),
    Relation.OTHER: N_("other"),
}
RSVPS = {
    Rsvp.YES: N_("I'll come"),
    Rsvp.NO: N_("I can't come"),
    Rsvp.MAYBE: N_("Not sure yet"),
}

CONSILIUM_OUTCOMES = {
    ConsiliumOutcome.APPROVE_PLAN: N_("approve the plan"),
    ConsiliumOutcome.CONTINUE: N_("continue as planned"),
    ConsiliumOutcome.CHANGE_LEVEL: N_("change the support level"),
    ConsiliumOutcome.CHANGE_PLAN: N_("change the plan"),
    ConsiliumOutcome.FINAL_MONITORING: N_("move to the final monitoring"),
    ConsiliumOutcome.CLOSE: N_("close the case"),
}
LEVEL_SOURCES = {
    LevelSource.CARD: N_("by a coordinator"),
    LevelSource.CONSILIUM: N_("by the consilium"),
    LevelSource.INTAKE: N_("at the request"),
    LevelSource.CONCERN: N_("after a child-safety concern"),
}
# "Is further work needed?" at a programme's end (the specialists' evaluation).
FURTHER_WORK = {
    FurtherWork.ANOTHER_PROGRAMME: N_("yes: another programme"),
    FurtherWork.CASE_PLAN: N_("yes: within the case plan"),
    FurtherWork.CLOSING: N_("no: the work may end"),
}
ENROLLMENT_STATUSES = {
    EnrollmentStatus.ACTIVE.value: N_("active"),
    EnrollmentStatus.PAUSED.value: N_("paused"),
    EnrollmentStatus.STOPPED.value: N_("stopped"),
    EnrollmentStatus.COMPLETED.value: N_("completed"),
}
