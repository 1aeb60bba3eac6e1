"""Withdrawal and retention reach the case's new data: the request in the family's words, the
make-up's names, the assessment's notes and the documents' file ids; what /stats counts stays."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import bot.notifications  # noqa: F401  (registers the message kinds)
from bot.db.models import (
    CaseAssessment,
    CaseDocument,
    CaseRequest,
    Consent,
    Family,
    FamilyLink,
    FamilyMember,
    Person,
    Role,
)
from bot.services import privacy
from tests.factories import make_person

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


async def _family(session: AsyncSession, name: str, closed: datetime | None = None) -> int:
    family = Family(
        name=name,
        search_name=name.casefold(),
        category="tzhs",
        support_level="crisis",
        timezone="Europe/Moscow",
        created_at=datetime(2015, 1, 1, tzinfo=UTC),
        closed_at=closed,
        closed_reason="improvement" if closed else None,
    )
    session.add(family)
    await session.flush()
    return family.id


async def _case(session: AsyncSession, family_id: int, words: str, mother: str) -> None:
    at = datetime(2019, 5, 1, tzinfo=UTC)
    session.add_all(
        [
            CaseRequest(
                family_id=family_id,
                received_on=date(2019, 5, 1),
                source="kdn",
                words=words,
                difficulties=["economic"],
                level="crisis",
                level_signs=["abuse"],
                created_at=at,
                updated_at=at,
            ),
            FamilyMember(
                family_id=family_id,
                name=mother,
                birth_year=1990,
                is_child=False,
                relation="mother",
                created_at=at,
            ),
            FamilyMember(
                family_id=family_id, name="Саша", birth_year=2015, is_child=True, created_at=at
            ),
            CaseAssessment(
                family_id=family_id,
                phase="intake",
                aspect="children",
                score=2,
                note=f"{mother} устаёт",
                assessed_on=date(2019, 5, 2),
                created_at=at,
            ),
            CaseDocument(
                family_id=family_id,
                kind="consent",
                dated=date(2019, 5, 1),
                media="photo",
                file_id="AgACAgIAAxkBAAI",
                added_at=at,
            ),
        ]
    )
    await session.flush()


async def test_a_parent_withdrawing_leaves_no_name_and_no_files_in_the_case(
    session: AsyncSession,
) -> None:
    marina = await make_person(session, 501, Role.PARENT, now=NOW)
    person = await session.get(Person, marina.person_id)
    assert person is not None
    person.display_name = "Марина"
    session.add(Consent(person_id=marina.person_id, text_version="v", locale="ru", accepted_at=NOW))
    family_id = await _family(session, "Ивановы")
    other_id = await _family(session, "Петровы")
    session.add(
        FamilyLink(family_id=family_id, person_id=marina.person_id, kind="parent", created_at=NOW)
    )
    await _case(session, family_id, "Марина просит помочь со школой", "Марина")
    await _case(session, other_id, "Марина из соседнего дома", "Марина")  # not her family
    await session.flush()

    await privacy.withdraw(session, marina, NOW)
    session.expire_all()

    request = await session.scalar(select(CaseRequest).where(CaseRequest.family_id == family_id))
    assert request is not None and request.words == "— просит помочь со школой"
    assert request.source == "kdn" and request.level_signs == ["abuse"]
    names = await session.scalars(
        select(FamilyMember.name).where(FamilyMember.family_id == family_id)
    )
    assert sorted(names) == ["Саша", "—"]
    note = await session.scalar(
        select(CaseAssessment.note).where(CaseAssessment.family_id == family_id)
    )
    assert note == "— устаёт"
    document = await session.scalar(select(CaseDocument).where(CaseDocument.family_id == family_id))
    assert document is not None and document.file_id is None and document.kind == "consent"
    # Another family's case is not hers: untouched.
    kept = await session.scalar(select(CaseDocument).where(CaseDocument.family_id == other_id))
    assert kept is not None and kept.file_id is not None


async def test_retention_blanks_the_case_texts_and_files_and_keeps_the_counts(
    session: AsyncSession,
) -> None:
    old = await _family(session, "Старые", NOW - timedelta(days=6 * 365))
    recent = await _family(session, "Недавние", NOW - timedelta(days=30))
    await _case(session, old, "Нужна помощь с жильём", "Нина")
    await _case(session, recent, "Нужна помощь с жильём", "Нина")

    await privacy.anonymise_closed_batch(session, NOW, 5)
    session.expire_all()

    request = await session.scalar(select(CaseRequest).where(CaseRequest.family_id == old))
    assert request is not None and request.words == "—" and request.source == "kdn"
    members = list(await session.scalars(select(FamilyMember).where(FamilyMember.family_id == old)))
    assert {m.name for m in members} == {"—"}
    assert sorted((m.birth_year, m.is_child) for m in members) == [(1990, False), (2015, True)]
    assessment = await session.scalar(select(CaseAssessment).where(CaseAssessment.family_id == old))
    assert assessment is not None and assessment.note == "—" and assessment.score == 2
    document = await session.scalar(select(CaseDocument).where(CaseDocument.family_id == old))
    assert document is not None and document.file_id is None
    untouched = await session.scalar(select(CaseRequest).where(CaseRequest.family_id == recent))
    assert untouched is not None and untouched.words == "Нужна помощь с жильём"
