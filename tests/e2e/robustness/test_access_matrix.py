"""Every command of the command list × every kind of user → its first screen or a refusal.

Refusals are audited (access.denied); people who never joined or never consented get the
explanation of what the bot is, and nothing personal is stored about them.
"""

from __future__ import annotations

from sqlalchemy import func, select

from bot.db.models import AuditEntry, Person
from bot.roles_text import COMMANDS
from tests.harness import BotHarness
from tests.hostile.world import build_world

# Being built by other helpers at the same time; their own tests cover them.
NOT_HERE = {"mydata", "deliveries"}

# The refusal says where to turn: /help and the coordinator.
REFUSED = (
    "Извините, для вашей роли это недоступно. Что вы можете здесь сделать — подскажет /help, "
    "а с остальным поможет координатор."
)
ABOUT = "Здравствуйте! Это рабочий бот службы сопровождения семей"
MENU = "Что хотите сделать?"
ROLES = ("coordinator", "mentor", "parent", "participant", "stranger", "unconsented")
R, A = REFUSED, ABOUT  # shorthand for the table

# command → what each of ROLES sees first (a part of the text)
MATRIX: dict[str, tuple[str, str, str, str, str, str]] = {
    "start": (MENU, MENU, MENU, MENU, A, A),
    "invite": ("Кого пригласить?", R, R, R, A, A),
    "invitations": ("Открытых приглашений: 1", R, R, R, A, A),
    "families": ("Семьи: 2", R, R, R, A, A),
    "meetings": ("Ближайшие сетевые встречи: 1", R, R, R, A, A),
    "map": ("Карта социальных связей\nЧей это ребёнок?", R, R, R, A, A),
    "mentors": ("Наставники: 2 (стр. 1 из 1)", R, R, R, A, A),
    "stats": ("📊 Показатели\nЗа какой период?", R, R, R, A, A),
    "report": ("📄 Отчёт по показателям\nЗа какой период?", R, R, R, A, A),
    "export": ("📦 Выгрузка данных\nЗа какой период?", R, R, R, A, A),
    "charts": ("📈 Графики\nЗа какой период?", R, R, R, A, A),
    "visit": (R, "Визит: Ивановы\nКогда он был?", R, R, A, A),
    "myvisits": (R, "Визитов пока нет.", R, R, A, A),
    "programmes": ("Программы: выберите семью.", "Программы: выберите семью.", R, R, A, A),
    "plan": ("Планы сопровождения: выберите семью.",) * 2 + (R, R, A, A),
    "case": ("Дела семей: выберите семью.",) * 2 + (R, R, A, A),
    "learn": ("Курс наставника\nПройдено уроков: 0 из 10",) * 2 + (R, R, A, A),
    "progress": (
        "ход — в /programmes",
        "ход — в /programmes",
        "Ваша семья пока не участвует в программе.",
        R,
        A,
        A,
    ),
    "me": (
        "Telegram ID: 1001",
        "Telegram ID: 2001",
        "Telegram ID: 3001",
        "Telegram ID: 4001",
        A,
        A,
    ),
    "language": ("Выберите язык бота:",) * 4 + (A, A),
    "cancel": ("Остановлено.",) * 6,
    "help": ("Координатору", "Наставнику", "Для вашей семьи", "Сетевая встреча", A, A),
}


def test_the_matrix_covers_every_command() -> None:
    assert set(MATRIX) | NOT_HERE == {spec.command for spec in COMMANDS}


async def test_every_command_for_every_role(app: BotHarness) -> None:
    world = await build_world(app)
    users = world.roles()
    people_before = await _count(app, Person.id)
    wrong = []
    for command, expected in MATRIX.items():
        for role, outcome in zip(ROLES, expected, strict=True):
            user = users[role]
            denied = await _denied(app)
            await user.send_command(command)
            await app.settle()
            if outcome not in user.last_text():
                wrong.append((command, role, outcome, user.last_text()[:120]))
            if (await _denied(app) - denied) != (outcome == REFUSED):
                wrong.append((command, role, "audit", await _denied(app) - denied))
            await user.send_command("cancel")  # leave whatever dialog the command opened
    assert not wrong, wrong
    assert await _count(app, Person.id) == people_before  # outsiders left no trace
    app.fake.assert_no_violations()


async def _count(app: BotHarness, column: object) -> int:
    async with app.sessionmaker() as session:
        return int(await session.scalar(select(func.count(column))) or 0)  # type: ignore[arg-type]


async def _denied(app: BotHarness) -> int:
    async with app.sessionmaker() as session:
        query = select(func.count(AuditEntry.id)).where(AuditEntry.action == "access.denied")
        return int(await session.scalar(query) or 0)
