"""The case's rows on top of tests/stats_world.py's month, for the case's figures in /stats,
/report and /export (tests/unit/test_stats_case.py, tests/e2e/flows/test_stats_case.py).

The world (November 2026, Moscow; today is the 23rd):
- visits: F1 on 2 Nov (observation, curation; social contract), 9 Nov (observation; social
  contract, leisure), 16 Nov (nothing chosen); F2 on 20 Nov (observation; social contract); F3
  on 3 Nov (curation; employment); F3's deleted one of 4 Nov and F2's of 20 Oct (social
  contract, leisure) do not count. Families visited: 3.
- make-up: F1 two children and a mother, F2 a child and two adults, F6 (closed in May) a
  child: 3 children and 3 adults in 2 of the 5 active families.
- requests: F2 on 3 Nov (school; economic, psychological), F5 on 15 Nov (the family itself;
  economic), F3 on 1 Nov (КДНиЗП; none named); F1's of January and F4's of 31 Oct are outside.
- consilium reviews: F1's held on 12 Nov; F1's planned for today (not overdue yet); F2's
  planned for 20 Nov, not held (overdue); F5's of 1 Nov cancelled; F3's of 2 Nov never held,
  but F3 is closed; F2's held on 15 Oct (outside).
- assessments (1–5): F1 before 2, 3, 1 → after 4 (20 Nov), 3 (25 Oct): over the two aspects
  rated both times 2.5 → 3.5, better; F2 3 → 3 (10 Nov), the same; F3 4, 4 → 2, 3 (4 Nov):
  4.0 → 2.5, worse; F4's final of 30 Oct is outside; F5 has a final one only.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    CaseAssessment,
    CaseRequest,
    Consilium,
    ConsiliumDecision,
    FamilyMember,
    Visit,
)
from tests.stats_world import NOW, TODAY, World, add_plans, at, build


async def add_cases(session: AsyncSession, w: World) -> None:
    f1, f2, f3, f4, f5, f6 = (w.families[name] for name in ("F1", "F2", "F3", "F4", "F5", "F6"))
    chosen = {
        (f1, date(2026, 11, 2)): (["observation", "curation"], ["social_contract"]),
        (f1, date(2026, 11, 9)): (["observation"], ["social_contract", "leisure"]),
        (f2, date(2026, 11, 20)): (["observation"], ["social_contract"]),
        (f3, date(2026, 11, 3)): (["curation"], ["employment"]),
        (f3, date(2026, 11, 4)): (["observation"], ["leisure"]),  # deleted
        (f2, date(2026, 10, 20)): (["observation"], ["social_contract", "leisure"]),  # October
    }
    for visit in await session.scalars(select(Visit).where(Visit.concern.is_(False))):
        methods, help_given = chosen.get((visit.family_id, visit.visit_date), ([], []))
        visit.methods, visit.help_given = methods, help_given

    for family_id, name, born, child, relation in (
        (f1, "Саша", 2015, True, None),
        (f1, "старший", 2010, True, None),
        (f1, "Ольга", 1988, False, "mother"),
        (f2, "Маша", 2019, True, None),
        (f2, "Иван", 1980, False, "father"),
        (f2, "бабушка", None, False, "grandparent"),
        (f6, "Петя", 2012, True, None),  # closed in May
    ):
        session.add(
            FamilyMember(
                family_id=family_id,
                name=name,
                birth_year=born,
                is_child=child,
                relation=relation,
                created_at=NOW,
            )
        )

    for family_id, received, source, difficulties, words in (
        (f2, date(2026, 11, 3), "school", ["economic", "psychological"], "Сын не ходит в школу"),
        (f5, date(2026, 11, 15), "self", ["economic"], None),
        (f3, date(2026, 11, 1), "kdn", [], None),
        (f1, date(2026, 1, 10), "police", ["legal"], None),
        (f4, date(2026, 10, 31), "health", ["social"], None),
    ):
        session.add(
            CaseRequest(
                family_id=family_id,
                received_on=received,
                source=source,
                words=words,
                difficulties=difficulties,
                level="crisis" if family_id == f2 else "basic",
                level_signs=["child_unfavourable", "abuse"] if family_id == f2 else ["felt_need"],
                created_at=NOW,
                updated_at=NOW,
            )
        )

    consiliums = [
        # family, planned, held, cancelled, outcome, participants, decisions
        (f1, date(2026, 11, 12), date(2026, 11, 12), None, "change_plan", [w.boss.person_id], 2),
        (f1, TODAY, None, None, None, [], 0),
        (f2, date(2026, 11, 20), None, None, None, [], 0),  # overdue
        (f5, date(2026, 11, 1), None, at(date(2026, 10, 30)), None, [], 0),
        (f3, date(2026, 11, 2), None, None, None, [], 0),  # F3 closed on 5 November
        (f2, date(2026, 10, 15), date(2026, 10, 15), None, "continue", [], 0),
    ]
    for family_id, planned, held, cancelled, outcome, people, decisions in consiliums:
        row = Consilium(
            family_id=family_id,
            planned_on=planned,
            held_on=held,
            outcome=outcome,
            participant_ids=people,
            participants_text="психолог ЦСОН" if held else None,
            note="обсудили школу",
            next_review_on=date(2026, 12, 20) if held else None,
            created_at=at(date(2026, 10, 1)),
            cancelled_at=cancelled,
        )
        session.add(row)
        await session.flush()
        for n in range(decisions):
            session.add(ConsiliumDecision(consilium_id=row.id, what=f"решение {n}", created_at=NOW))

    marks = [
        # family, phase, aspect, score, day
        (f1, "intake", "children", 2, date(2026, 2, 1)),
        (f1, "intake", "adults", 3, date(2026, 2, 1)),
        (f1, "intake", "care", 1, date(2026, 2, 1)),
        (f1, "final", "children", 4, date(2026, 11, 20)),
        (f1, "final", "adults", 3, date(2026, 10, 25)),
        (f2, "intake", "children", 3, date(2026, 3, 1)),
        (f2, "final", "children", 3, date(2026, 11, 10)),
        (f3, "intake", "children", 4, date(2026, 3, 1)),
        (f3, "intake", "adults", 4, date(2026, 3, 1)),
        (f3, "final", "children", 2, date(2026, 11, 4)),
        (f3, "final", "adults", 3, date(2026, 11, 4)),
        (f4, "intake", "children", 2, date(2026, 3, 1)),
        (f4, "final", "children", 5, date(2026, 10, 30)),
        (f5, "final", "adults", 3, date(2026, 11, 20)),
    ]
    for family_id, phase, aspect, score, day in marks:
        session.add(
            CaseAssessment(
                family_id=family_id,
                phase=phase,
                aspect=aspect,
                score=score,
                note="спокойнее"
                if (family_id, phase, aspect) == (f1, "final", "children")
                else None,
                assessed_on=day,
                created_at=NOW,
            )
        )
    await session.flush()


async def world(session: AsyncSession) -> World:
    """tests/stats_world.py's month with its plans and the case's rows above."""
    w = await build(session)
    await add_plans(session, w)
    await add_cases(session, w)
    return w
