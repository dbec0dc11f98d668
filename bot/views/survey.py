"""How a survey reads: its 1–5 buttons under the question, and a score in stars."""

from __future__ import annotations

from bot.runtime.keyboards import Rows
from bot.views.buttons import SURVEY_SCORE
from storage.surveys import SCORES


def stars(score: int) -> str:
    """'⭐⭐⭐⭐ 4/5'."""
    return f"{'⭐' * score} {score}/5"


def score_keyboard(survey_id: int) -> Rows:
    """One row, 1 to 5, under the question."""
    return [[(f"{score}⭐", SURVEY_SCORE.data(survey=survey_id, score=score)) for score in SCORES]]
