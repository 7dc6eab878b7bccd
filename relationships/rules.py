"""Pure rules of the relationship: no queries, no writes. The services apply them."""

import datetime

from django.conf import settings

# The escalation route: 1 relationship manager, 2 IT management, 3 the IT steering group
# (Escalation.Level). Code and templates ask Escalation.next_level / can_escalate, never "< 3".
TOP_LEVEL = 3


def sets_a_past_date(*, value: datetime.date | None, stored: datetime.date | None = None, today) -> bool:
    """Someone sets or moves a date (an action's due date, a requirement's wanted-by date)
    to before today. A date that has passed and is left as it was is no error: overdue
    work stays editable, and a due date before the row was made can only be set this way."""
    return value is not None and value != stored and value < today


def response_hours(severity: str) -> int:
    """How long each level of the route has to respond, by severity (settings)."""
    return settings.BRM_ESCALATION_RESPONSE_HOURS[severity]


def respond_by(*, severity: str, from_time: datetime.datetime) -> datetime.datetime:
    return from_time + datetime.timedelta(hours=response_hours(severity))


def next_level(level: int) -> int | None:
    """The level above, or None at the top (the IT steering group)."""
    return level + 1 if level < TOP_LEVEL else None


# Net Promoter convention: 0–6 detract, 7–8 are passive, 9–10 promote.
DETRACTOR_MAX = 6
PROMOTER_MIN = 9


def is_detractor(recommend_score: int) -> bool:
    return recommend_score <= DETRACTOR_MAX


def is_promoter(recommend_score: int) -> bool:
    return recommend_score >= PROMOTER_MIN


def net_promoter_score(*, promoters: int, detractors: int, total: int) -> int | None:
    if total == 0:
        return None
    return round(100 * (promoters - detractors) / total)


def is_poor_answer(*, overall_satisfaction: int, recommend_score: int, ratings=()) -> bool:
    """An answer that asks for a follow-up: dissatisfied overall (1–2), a detractor, or a
    service rated 1–2."""
    return overall_satisfaction <= 2 or is_detractor(recommend_score) or any(r <= 2 for r in ratings)


# The survey's questions besides one rating per service the unit uses: overall
# satisfaction, likelihood to recommend, a comment (the survey form asks exactly these).
SURVEY_QUESTIONS_BESIDES_SERVICES = ("overall_satisfaction", "recommend_score", "comment")


def survey_question_count(*, services_rated: int) -> int:
    """How many questions a unit's survey asks: what its invitation e-mail announces."""
    return len(SURVEY_QUESTIONS_BESIDES_SERVICES) + services_rated
