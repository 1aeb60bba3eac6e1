"""Programme and questionnaire data: shipped files load and fit Telegram; bad files fail clearly."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.content.base import ContentError
from bot.content.programmes import (
    PROGRAMMES_DIR,
    QUESTIONNAIRE_PATH,
    Programme,
    Week,
    load_programmes,
    load_questionnaire,
)

LOCALES = ("ru", "en")
TELEGRAM_LIMIT = 4096
FORBIDDEN = ("СОП", "неблагополучн", "проблемн")

PROGRAMMES = load_programmes(PROGRAMMES_DIR)
ALL_WEEKS = [
    pytest.param(programme, week, locale, id=f"{code}-{week.number}-{locale}")
    for code, programme in PROGRAMMES.items()
    for week in programme.weeks
    for locale in LOCALES
]


def as_the_bot_sends(week: Week, locale: str) -> str:
    """Topic, greeting, questions as a list, homework, practice; blank lines; HTML-escaped."""
    questions = "\n".join(f"• {html.escape(q)}" for q in week.questions.get(locale))
    return "\n\n".join(
        [
            f"<b>{html.escape(week.topic.get(locale))}</b>",
            html.escape(week.greeting.get(locale)),
            questions,
            html.escape(week.homework.get(locale)),
            html.escape(week.practice.get(locale)),
        ]
    )


def test_the_three_programmes_ship() -> None:
    lengths = {code: programme.length for code, programme in PROGRAMMES.items()}
    assert lengths == {"tochka_opory": 10, "semeyny_pomoshnik": 8, "semeyny_navigator": 8}
    assert PROGRAMMES["tochka_opory"].title.get("ru") == "Точка опоры"
    assert PROGRAMMES["semeyny_pomoshnik"].title.get("ru") == "Семейный помощник"
    assert PROGRAMMES["semeyny_navigator"].title.get("ru") == "Семейный навигатор"


def test_published_topics_are_kept() -> None:
    tochka = [w.topic.get("ru") for w in PROGRAMMES["tochka_opory"].weeks]
    assert tochka[0] == "Знакомство с семьёй"
    assert tochka[4] == "Совладание со стрессом"
    assert tochka[9] == "Жизненные перспективы"
    helper = [w.topic.get("ru") for w in PROGRAMMES["semeyny_pomoshnik"].weeks]
    assert helper[6] == "Семейный бюджет"
    assert helper[7] == "Семейные традиции"


@pytest.mark.parametrize("locale", LOCALES)
def test_every_field_is_filled_in_both_locales(locale: str) -> None:
    for programme in PROGRAMMES.values():
        assert programme.title.get(locale) and programme.audience.get(locale)
        for week in programme.weeks:
            texts = [week.topic, week.greeting, week.homework, week.practice]
            assert all(text.get(locale).strip() for text in texts)
            assert 2 <= len(week.questions.get(locale)) <= 3
    # the English really is English, not the Russian copied over
    week = PROGRAMMES["tochka_opory"].weeks[0]
    assert week.greeting.get("en") != week.greeting.get("ru")


@pytest.mark.parametrize(("programme", "week", "locale"), ALL_WEEKS)
def test_every_week_fits_one_message_and_is_respectful(
    programme: Programme, week: Week, locale: str
) -> None:
    message = as_the_bot_sends(week, locale)
    assert len(message) < TELEGRAM_LIMIT
    assert len(week.render(locale)) < 2500
    lowered = message.lower()
    for word in FORBIDDEN:
        assert word.lower() not in lowered, f"{programme.code} week {week.number}: {word}"
    # plain text in the data: nothing that looks like markup
    for part in week.parts(locale):
        assert "<" not in part and ">" not in part


def test_render_escapes_html() -> None:
    week = PROGRAMMES["tochka_opory"].weeks[0]
    data = week.model_dump()
    data["greeting"]["ru"] = "Привет <b>&</b>"
    rendered = Week.model_validate(data).render("ru")
    assert "Привет &lt;b&gt;&amp;&lt;/b&gt;" in rendered
    assert rendered.count("\n\n") == 4


def test_questionnaire_loads() -> None:
    questionnaire = load_questionnaire(QUESTIONNAIRE_PATH)
    assert 6 <= len(questionnaire.statements) <= 8
    assert len({s.code for s in questionnaire.statements}) == len(questionnaire.statements)
    assert [step.value for step in questionnaire.scale] == [1, 2, 3, 4, 5]
    for locale in LOCALES:
        assert questionnaire.title.get(locale) and questionnaire.intro.get(locale)
        assert all(s.get(locale) for s in questionnaire.statements)
        assert all(step.get(locale) for step in questionnaire.scale)
    assert questionnaire.min_total == len(questionnaire.statements)
    assert questionnaire.max_total == 5 * len(questionnaire.statements)
    assert questionnaire.scale_label(5, "ru") == "точно про нас"


# --- malformed files -------------------------------------------------------------------------


def week_data(number: int) -> dict[str, Any]:
    def text(word: str) -> dict[str, str]:
        return {"ru": f"{word} {number}", "en": f"{word} {number} (en)"}

    return {
        "number": number,
        "topic": text("Тема"),
        "greeting": text("Привет"),
        "questions": {"ru": ["Вопрос 1?", "Вопрос 2?"], "en": ["Question 1?", "Question 2?"]},
        "homework": text("Задание"),
        "practice": text("Практика"),
    }


def programme_data(code: str = "test_programme", weeks: int = 3) -> dict[str, Any]:
    return {
        "code": code,
        "title": {"ru": "Тест", "en": "Test"},
        "audience": {"ru": "Для проверки", "en": "For testing"},
        "weeks": [week_data(n) for n in range(1, weeks + 1)],
    }


def write(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def fails(directory: Path) -> str:
    with pytest.raises(ContentError) as caught:
        load_programmes(directory)
    return str(caught.value)


def test_a_valid_extra_file_adds_a_programme(tmp_path: Path) -> None:
    write(tmp_path / "mine.yaml", programme_data("my_service"))
    programmes = load_programmes(tmp_path)
    assert list(programmes) == ["my_service"]
    assert programmes["my_service"].week(2) is not None
    assert programmes["my_service"].week(4) is None


def test_bad_yaml_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("code: x\ntitle: [unclosed\n", encoding="utf-8")
    message = fails(tmp_path)
    assert "broken.yaml" in message and "not valid YAML" in message


def test_missing_field_names_the_file_and_field(tmp_path: Path) -> None:
    data = programme_data()
    del data["weeks"][1]["homework"]
    write(tmp_path / "no_homework.yaml", data)
    message = fails(tmp_path)
    assert "no_homework.yaml" in message
    assert "weeks.1.homework" in message and "Field required" in message


def test_missing_locale_names_the_file_and_locale(tmp_path: Path) -> None:
    data = programme_data()
    del data["weeks"][0]["greeting"]["en"]
    write(tmp_path / "no_en.yaml", data)
    message = fails(tmp_path)
    assert "no_en.yaml" in message and "weeks.0.greeting.en" in message


def test_empty_text_is_rejected(tmp_path: Path) -> None:
    data = programme_data()
    data["title"]["ru"] = "   "
    write(tmp_path / "blank.yaml", data)
    message = fails(tmp_path)
    assert "blank.yaml" in message and "title.ru" in message and "empty" in message


def test_week_numbers_with_a_gap(tmp_path: Path) -> None:
    data = programme_data(weeks=3)
    data["weeks"][2]["number"] = 4
    write(tmp_path / "gap.yaml", data)
    message = fails(tmp_path)
    assert "gap.yaml" in message and "without gaps" in message and "[1, 2, 4]" in message


@pytest.mark.parametrize("count", [1, 4])
def test_wrong_number_of_questions(tmp_path: Path, count: int) -> None:
    data = programme_data()
    data["weeks"][0]["questions"]["en"] = [f"Q{i}?" for i in range(count)]
    write(tmp_path / "questions.yaml", data)
    message = fails(tmp_path)
    assert "questions.yaml" in message and "weeks.0.questions.en" in message
    assert f"found {count}" in message


def test_duplicate_codes_across_two_files(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", programme_data("same_code"))
    write(tmp_path / "b.yaml", programme_data("same_code"))
    message = fails(tmp_path)
    assert "b.yaml" in message and "a.yaml" in message
    assert "duplicate programme code 'same_code'" in message


def test_bad_code_format(tmp_path: Path) -> None:
    write(tmp_path / "caps.yaml", programme_data("My-Programme"))
    message = fails(tmp_path)
    assert "caps.yaml" in message and "code" in message


def test_too_long_a_week(tmp_path: Path) -> None:
    data = programme_data()
    data["weeks"][1]["practice"]["ru"] = "Очень длинное задание. " * 200
    write(tmp_path / "long.yaml", data)
    message = fails(tmp_path)
    assert "long.yaml" in message and "week 2 (ru)" in message and "under 3500" in message


def test_unknown_field_is_a_typo(tmp_path: Path) -> None:
    data = programme_data()
    data["weeks"][0]["homewrok"] = data["weeks"][0]["homework"]
    write(tmp_path / "typo.yaml", data)
    message = fails(tmp_path)
    assert "typo.yaml" in message and "homewrok" in message


def test_empty_directory(tmp_path: Path) -> None:
    assert "no programme files" in fails(tmp_path)


def test_not_a_mapping(tmp_path: Path) -> None:
    (tmp_path / "list.yaml").write_text("- just\n- a list\n", encoding="utf-8")
    assert "list.yaml" in fails(tmp_path)


# --- malformed questionnaire -----------------------------------------------------------------


def questionnaire_data(statements: int = 6) -> dict[str, Any]:
    return {
        "code": "test_questionnaire",
        "title": {"ru": "Анкета", "en": "Questionnaire"},
        "intro": {"ru": "Оцените", "en": "Rate"},
        "statements": [
            {"code": f"s{n}", "ru": f"Утверждение {n}", "en": f"Statement {n}"}
            for n in range(1, statements + 1)
        ],
        "scale": [{"value": v, "ru": f"{v}", "en": f"{v}"} for v in range(1, 6)],
    }


def test_questionnaire_valid_minimum(tmp_path: Path) -> None:
    path = write(tmp_path / "q.yaml", questionnaire_data(6))
    assert len(load_questionnaire(path).statements) == 6


@pytest.mark.parametrize("count", [5, 9])
def test_questionnaire_statement_count(tmp_path: Path, count: int) -> None:
    path = write(tmp_path / "q.yaml", questionnaire_data(count))
    with pytest.raises(ContentError, match=rf"q\.yaml.*6 to 8 statements, found {count}"):
        load_questionnaire(path)


def test_questionnaire_duplicate_statement_codes(tmp_path: Path) -> None:
    data = questionnaire_data(7)
    data["statements"][3]["code"] = "s1"
    path = write(tmp_path / "q.yaml", data)
    with pytest.raises(ContentError, match=r"q\.yaml.*duplicate codes \['s1'\]"):
        load_questionnaire(path)


@pytest.mark.parametrize("values", [[1, 2, 3, 4], [0, 1, 2, 3, 4], [1, 2, 3, 4, 5, 6]])
def test_questionnaire_scale_is_one_to_five(tmp_path: Path, values: list[int]) -> None:
    data = questionnaire_data()
    data["scale"] = [{"value": v, "ru": f"{v}", "en": f"{v}"} for v in values]
    path = write(tmp_path / "q.yaml", data)
    with pytest.raises(ContentError, match=r"q\.yaml.*scale: exactly the values 1 to 5"):
        load_questionnaire(path)


def test_questionnaire_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match="file is missing"):
        load_questionnaire(tmp_path / "absent.yaml")


def test_the_bot_refuses_to_start_with_a_broken_programme(tmp_path: Path) -> None:
    import shutil

    from bot.content import Content
    from bot.content.base import CONTENT_DIR, ContentError

    shutil.copytree(CONTENT_DIR, tmp_path / "content")
    broken = tmp_path / "content" / "programmes" / "our_own.yaml"
    broken.write_text("code: our_own\ntitle: {ru: Наша}\n", encoding="utf-8")
    with pytest.raises(ContentError, match=r"our_own\.yaml"):
        Content(tmp_path / "content")
    broken.unlink()
    content = Content(tmp_path / "content")
    assert {p.length for p in content.programmes.values()} == {10, 8}
