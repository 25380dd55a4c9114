"""Accident grades from the State Council's regulation, in one place.

生产安全事故报告和调查处理条例 (国务院令第493号), 第三条: an accident is graded by deaths,
serious injuries (including acute industrial poisoning) and direct economic loss; the grade
is the highest that any one criterion reaches. 第三条第二款: "以上" includes the number
itself and "以下" excludes it, so "3 人以上 10 人以下死亡" is 3 ≤ deaths < 10.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

CITATION = "《生产安全事故报告和调查处理条例》（国务院令第493号）第三条"


class Grade(StrEnum):
    general = "general"  # 一般事故
    large = "large"  # 较大事故
    major = "major"  # 重大事故
    especially_major = "especially_major"  # 特别重大事故


RANK = {Grade.general: 1, Grade.large: 2, Grade.major: 3, Grade.especially_major: 4}
LABEL_ZH = {
    Grade.general: "一般事故",
    Grade.large: "较大事故",
    Grade.major: "重大事故",
    Grade.especially_major: "特别重大事故",
}


class Threshold(NamedTuple):
    """The least numbers that make an accident ``grade`` (each criterion on its own)."""

    grade: Grade
    deaths: int
    serious_injuries: int
    direct_loss_yuan: int


# highest first: the first row any criterion reaches is the grade
THRESHOLDS = (
    Threshold(Grade.especially_major, 30, 100, 100_000_000),
    Threshold(Grade.major, 10, 50, 50_000_000),
    Threshold(Grade.large, 3, 10, 10_000_000),
)


def grade_of(*, deaths: int, serious_injuries: int, direct_loss_yuan: int) -> Grade:
    for row in THRESHOLDS:
        if (
            deaths >= row.deaths
            or serious_injuries >= row.serious_injuries
            or direct_loss_yuan >= row.direct_loss_yuan
        ):
            return row.grade
    return Grade.general


def reasons(*, deaths: int, serious_injuries: int, direct_loss_yuan: int) -> list[str]:
    """Which criteria reach the computed grade, for the grade history."""
    grade = grade_of(
        deaths=deaths, serious_injuries=serious_injuries, direct_loss_yuan=direct_loss_yuan
    )
    row = next((r for r in THRESHOLDS if r.grade == grade), None)
    if row is None:
        return []
    found = []
    if deaths >= row.deaths:
        found.append(f"deaths >= {row.deaths}")
    if serious_injuries >= row.serious_injuries:
        found.append(f"serious_injuries >= {row.serious_injuries}")
    if direct_loss_yuan >= row.direct_loss_yuan:
        found.append(f"direct_loss_yuan >= {row.direct_loss_yuan}")
    return found
