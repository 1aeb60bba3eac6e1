"""The one wiring point: production and tests build the bot and the dispatcher here."""

from __future__ import annotations

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder
from aiogram_dialog import BgManagerFactory, setup_dialogs
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.background import BackgroundWork
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.content import Content
from bot.db.engine import create_sessionmaker
from bot.db.fsm_storage import SqlStorage
from bot.delivery.response_models import PinResponseModels
from bot.delivery.retry import RetryAfterMiddleware
from bot.dialogs import make_intent_ids_unique
from bot.dialogs.assessment.dialog import create_assessment_dialog
from bot.dialogs.case.dialog import create_case_dialog
from bot.dialogs.case.members import create_members_dialog
from bot.dialogs.case.request import create_request_dialog
from bot.dialogs.case_documents.dialog import create_documents_dialog
from bot.dialogs.case_file.dialog import create_case_file_dialog
from bot.dialogs.consilium.dialog import create_consilium_dialog
from bot.dialogs.consilium.parting import create_parting_dialog
from bot.dialogs.families.card import create_family_card_dialog, create_my_families_dialog
from bot.dialogs.families.dialog import create_families_dialog, create_family_add_dialog
from bot.dialogs.follow_up import handlers as follow_up_buttons
from bot.dialogs.follow_up.dialog import create_follow_up_dialog
from bot.dialogs.homework.dialog import create_answer_dialog, create_progress_dialog
from bot.dialogs.homework_review.dialog import create_homework_review_dialog
from bot.dialogs.invitations.dialog import create_invitations_dialog
from bot.dialogs.invite.dialog import create_invite_dialog
from bot.dialogs.learn.dialog import create_learn_dialog
from bot.dialogs.manager import ManagerFactory
from bot.dialogs.meeting_invite.dialog import create_meeting_invite_dialog
from bot.dialogs.meetings.dialog import create_meetings_dialogs
from bot.dialogs.mentor_test.dialog import (
    create_mentor_test_answers_dialog,
    create_mentor_test_dialog,
)
from bot.dialogs.mentors.dialog import create_mentors_dialog
from bot.dialogs.menu.dialog import create_menu_dialog
from bot.dialogs.mydata.dialog import create_mydata_dialog
from bot.dialogs.myvisits.dialog import create_myvisits_dialog
from bot.dialogs.plan.dialog import create_plan_dialog
from bot.dialogs.programme_evaluation.dialog import create_programme_evaluation_dialog
from bot.dialogs.programmes.dialog import create_programmes_dialog
from bot.dialogs.questionnaire.dialog import create_questionnaire_dialog
from bot.dialogs.retired import OnceDeletingMessageManager, RetiredMessages
from bot.dialogs.review.dialog import create_review_dialog
from bot.dialogs.social_map.dialog import create_map_dialog
from bot.dialogs.srs.dialog import create_srs_dialog
from bot.dialogs.visit.dialog import create_visit_dialog
from bot.handlers import case_plans as case_plan_buttons
from bot.handlers import deliveries, errors, get_fallback_routers, get_routers
from bot.handlers import mentor_test as mentor_test_buttons
from bot.handlers import mydata as mydata_commands
from bot.handlers import review as review_commands
from bot.i18n.telegram import LocaleMiddleware, create_i18n
from bot.middlewares.commit_before_send import CommitBeforeSend
from bot.middlewares.db import DatabaseOutageMiddleware, DbSessionMiddleware
from bot.middlewares.inflight import InFlightUpdates
from bot.middlewares.people import PersonMiddleware
from bot.middlewares.serial import PerUserSerialMiddleware, shared_locks_for
from bot.middlewares.text_guard import TextGuardMiddleware


class MissingToken(SystemExit):
    pass


def create_bot(
    settings: Settings, session: BaseSession | None = None, clock: Clock | None = None
) -> Bot:
    if settings.bot_token is None or not settings.bot_token.get_secret_value().strip():
        raise MissingToken(
            "BOT_TOKEN is not set: get a token from @BotFather in Telegram (/newbot) "
            "and put BOT_TOKEN=... into .env"
        )
    if session is None:
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_server))
    # Outermost: a step's writes are committed before its first call, and before any wait
    # on retry_after.
    session.middleware(CommitBeforeSend(release_reads=not settings.is_sqlite))
    session.middleware(PinResponseModels())
    session.middleware(RetryAfterMiddleware(clock or SystemClock()))
    return Bot(
        settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )


def create_storage(settings: Settings, engine: AsyncEngine, clock: Clock) -> BaseStorage:
    if settings.redis_url:
        from aiogram.fsm.storage.redis import RedisStorage

        return RedisStorage.from_url(
            settings.redis_url, key_builder=DefaultKeyBuilder(with_destiny=True, with_bot_id=True)
        )
    return SqlStorage(engine, clock)


def create_dispatcher(
    settings: Settings,
    engine: AsyncEngine,
    *,
    clock: Clock | None = None,
    content: Content | None = None,
    storage: BaseStorage | None = None,
) -> tuple[Dispatcher, BgManagerFactory]:
    clock = clock or SystemClock()
    sessionmaker: async_sessionmaker[AsyncSession] = create_sessionmaker(engine)
    i18n = create_i18n(settings.default_locale)
    content = content or Content()
    storage = storage or create_storage(settings, engine, clock)
    # Replicas on Redis share the per-person lock too (bot/middlewares/serial.py).
    serial = PerUserSerialMiddleware(shared_locks_for(storage))
    dp = Dispatcher(
        storage=storage,
        settings=settings,
        clock=clock,
        content=content,
        sessionmaker=sessionmaker,
        i18n=i18n,
        background=BackgroundWork(),
        in_flight=InFlightUpdates(),
        retired_messages=RetiredMessages(storage, clock),
    )
    # One update at a time per person, then db and person, on dp.update: aiogram-dialog's
    # background updates re-enter there too.
    dp.update.outer_middleware(dp["in_flight"])
    dp.update.outer_middleware(TextGuardMiddleware())
    dp.update.outer_middleware(serial)
    dp.update.outer_middleware(DbSessionMiddleware(sessionmaker))
    dp.update.outer_middleware(PersonMiddleware())
    dp.errors.outer_middleware(serial)  # error handlers touch the form state too
    dp.errors.outer_middleware(DatabaseOutageMiddleware(errors.on_database_unavailable))
    dp.errors.outer_middleware(DbSessionMiddleware(sessionmaker, fresh=True))
    dp.errors.outer_middleware(PersonMiddleware())
    # The plan reminders' buttons: before start's catch-all for callback data no dialog made.
    dp.include_router(case_plan_buttons.create_router())
    dp.include_router(follow_up_buttons.create_router())
    dp.include_router(mentor_test_buttons.create_router())  # «📝 Answers» under a test result
    dp.include_routers(
        *get_routers(),
        review_commands.create_router(),
        deliveries.create_router(),
        mydata_commands.create_router(),
    )
    dp.include_routers(
        create_menu_dialog(),
        create_invite_dialog(),
        create_invitations_dialog(),
        create_families_dialog(),
        create_family_add_dialog(),
        create_family_card_dialog(),
        create_my_families_dialog(),
        create_mentors_dialog(),
        *create_meetings_dialogs(),
        create_map_dialog(),
        create_visit_dialog(),
        create_myvisits_dialog(),
        create_learn_dialog(),
        create_plan_dialog(),
        create_assessment_dialog(),
        create_case_dialog(),
        create_request_dialog(),
        create_members_dialog(),
        create_documents_dialog(),
        create_case_file_dialog(),
        create_consilium_dialog(),
        create_parting_dialog(),
        create_programmes_dialog(),
        create_homework_review_dialog(),
        create_answer_dialog(),
        create_progress_dialog(),
        create_questionnaire_dialog(),
        create_programme_evaluation_dialog(),
        create_follow_up_dialog(),
        create_meeting_invite_dialog(),
        create_srs_dialog(),
        create_review_dialog(),
        create_mydata_dialog(),
        create_mentor_test_dialog(),
        create_mentor_test_answers_dialog(),
    )
    dp.include_routers(*get_fallback_routers())
    make_intent_ids_unique()
    # A message is deleted at most once, a double tap on a stale button included.
    bg_factory = setup_dialogs(
        dp,
        dialog_manager_factory=ManagerFactory(
            message_manager=OnceDeletingMessageManager(dp["retired_messages"])
        ),
    )
    LocaleMiddleware(i18n).setup(dp)  # after setup_dialogs, as aiogram-dialog requires
    return dp, bg_factory
