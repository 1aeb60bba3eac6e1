"""The Session Rating Scale for network meetings as editable data (content/srs.yaml), validated
at start like the programmes: a broken file stops the bot with its name and the problem."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator

from bot.content.base import CODE_PATTERN, CONTENT_DIR, Localized, StrictModel, load_model

SRS_PATH = CONTENT_DIR / "srs.yaml"
ITEM_MAX = 10  # each item 0..10
ITEM_CODES = ("relationship", "goals", "approach", "overall")
CONCERN_TOTAL = 36  # a total under this calls for the facilitators' attention
CONCERN_ITEM = 9  # so does any item under this
# So does a total this much lower than the same person's at the child's previous meeting (OpenFIT).
CONCERN_DROP = 1


class SrsItem(Localized):
    code: str = Field(pattern=CODE_PATTERN)
    low: Localized
    high: Localized


class Srs(StrictModel):
    title: Localized
    intro: Localized
    items: list[SrsItem]
    # The optional open question after the items; without it in the file it is not asked.
    reflection: Localized | None = None

    @model_validator(mode="after")
    def _four_items(self) -> Srs:
        codes = tuple(item.code for item in self.items)
        if codes != ITEM_CODES:
            raise ValueError(
                f"items: exactly {list(ITEM_CODES)} in this order, found {list(codes)}"
            )
        return self

    @property
    def max_total(self) -> int:
        return ITEM_MAX * len(self.items)


def load_srs(path: Path = SRS_PATH) -> Srs:
    return load_model(path, Srs)
