"""Content as data: editable YAML files under the top-level content/ folder, validated at start
with errors that name the file. `Content` is everything the bot runs with, loaded once and
handed to the dispatcher (handlers and dialogs get it as ``content``) and to the jobs and
renderers that need it; the submodules hold the files' models and loaders."""

from __future__ import annotations

from pathlib import Path

from bot.content.assessment import load_assessment
from bot.content.base import CONTENT_DIR, load_model
from bot.content.case_file import load_case_file
from bot.content.choices import CategoriesFile, Category, TimeZonesFile, VisitsFile
from bot.content.course import load_course
from bot.content.evaluation import load_evaluation
from bot.content.intake import load_intake
from bot.content.meetings import load_meetings
from bot.content.mentor_test import load_mentor_test
from bot.content.mentors import load_mentors
from bot.content.programmes import load_programmes, load_questionnaire
from bot.content.srs import load_srs


class Content:
    def __init__(self, directory: Path = CONTENT_DIR) -> None:
        self.categories = load_model(
            directory / "family_categories.yaml", CategoriesFile
        ).categories
        self.timezones = load_model(directory / "timezones.yaml", TimeZonesFile).timezones
        self.visits = load_model(directory / "visits.yaml", VisitsFile)
        # Weekly programmes: one file each under programmes/, checked at start like the rest.
        self.programmes = load_programmes(directory / "programmes")
        self.questionnaire = load_questionnaire(directory / "questionnaire.yaml")
        # The family's and the specialists' evaluation of a programme at its end.
        self.evaluation = load_evaluation(directory / "evaluation.yaml")
        self.srs = load_srs(directory / "srs.yaml")
        # The case: the request's lists, the make-up's relations, the documents' kinds.
        self.intake = load_intake(directory / "intake.yaml")
        self.assessment = load_assessment(directory / "assessment.yaml")
        self.case_file = load_case_file(directory / "case_file.docx")  # the DOCX template
        # Network meetings: why one is called, its phases and their 0–3 scale.
        self.meetings = load_meetings(directory / "meetings.yaml")
        # The candidates' test taken in the chat: questions, options, the pass mark.
        self.mentor_test = load_mentor_test(directory / "mentor_test.yaml")
        # The mentors' course: subjects, lessons, materials at hand (/learn).
        self.course = load_course(directory / "course.yaml")
        # The mentors' registry: statuses' labels and the reasons of a status's move.
        self.mentors = load_mentors(directory / "mentors.yaml")

    def category(self, code: str) -> Category | None:
        return next((c for c in self.categories if c.code == code), None)

    def category_label(self, code: str, locale: str) -> str:
        found = self.category(code)
        return found.label(locale) if found else code
