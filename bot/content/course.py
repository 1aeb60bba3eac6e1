"""The mentors' course (content/course.yaml): the subjects of the practice with their lessons,
and the service's guides and memos at hand."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator

from bot.content.base import CODE_PATTERN, CONTENT_DIR, Localized, StrictModel, load_model

COURSE_PATH = CONTENT_DIR / "course.yaml"
MINUTES_MAX = 600


class Lesson(StrictModel):
    code: str = Field(pattern=CODE_PATTERN, max_length=64)
    title: Localized
    text: Localized
    question: Localized
    minutes: int = Field(ge=1, le=MINUTES_MAX)


class Subject(StrictModel):
    code: str = Field(pattern=CODE_PATTERN, max_length=64)
    title: Localized
    lessons: list[Lesson] = Field(min_length=1)


class Material(StrictModel):
    code: str = Field(pattern=CODE_PATTERN, max_length=64)
    title: Localized
    text: Localized


class CourseFile(StrictModel):
    subjects: list[Subject] = Field(min_length=1)
    materials: list[Material] = []

    @model_validator(mode="after")
    def _unique(self) -> CourseFile:
        for what, codes in (
            ("subjects", [s.code for s in self.subjects]),
            ("lessons", [lesson.code for s in self.subjects for lesson in s.lessons]),
            ("materials", [m.code for m in self.materials]),
        ):
            if len(codes) != len(set(codes)):
                raise ValueError(f"{what}: codes must be unique")
        return self

    def subject(self, code: str) -> Subject | None:
        return next((s for s in self.subjects if s.code == code), None)

    def lesson(self, code: str) -> tuple[Subject, Lesson] | None:
        for subject in self.subjects:
            for lesson in subject.lessons:
                if lesson.code == code:
                    return subject, lesson
        return None

    def lesson_codes(self) -> list[str]:
        return [lesson.code for s in self.subjects for lesson in s.lessons]

    def total_minutes(self) -> int:
        return sum(lesson.minutes for s in self.subjects for lesson in s.lessons)

    def subject_title(self, code: str, locale: str) -> str:
        """A subject's title; an unknown (retired) code as it is."""
        found = self.subject(code)
        return found.title.get(locale) if found else code


def load_course(path: Path = COURSE_PATH) -> CourseFile:
    return load_model(path, CourseFile)
