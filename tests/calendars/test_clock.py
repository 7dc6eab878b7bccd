"""The working-time clock (calendars.clock): pure arithmetic on a schedule."""

import datetime
from zoneinfo import ZoneInfo

import holidays
import pytest

from calendars.clock import ROUND_THE_CLOCK, NoWorkingTime, Schedule, duration_in_words

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
H = datetime.timedelta(hours=1)
OFFICE = ((datetime.time(8, 30), datetime.time(17, 30)),)


# A Dutch office day: 08:30-17:30 with half an hour for lunch, eight working hours.
WITH_LUNCH = ((datetime.time(8, 30), datetime.time(12)), (datetime.time(12, 30), datetime.time(17, 30)))


def office(*, closed=lambda day: False, lunch=False) -> Schedule:
    day = WITH_LUNCH if lunch else OFFICE
    return Schedule(time_zone=AMSTERDAM, hours={weekday: day for weekday in range(5)}, is_closed_on=closed)


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=AMSTERDAM)


def test_a_seven_hour_window_opened_friday_at_five_ends_monday_half_past_three():
    # Friday's last half hour, then Monday 08:30-12:00 and 12:30-15:30.
    friday = at(2026, 11, 27, 17)
    assert office(lunch=True).add(friday, 7 * H) == at(2026, 11, 30, 15, 30)
    # Without the lunch break Monday's six and a half hours end at 15:00.
    assert office().add(friday, 7 * H) == at(2026, 11, 30, 15)


def test_a_window_opened_at_night_starts_at_the_next_opening():
    assert office().add(at(2026, 11, 30, 2), 2 * H) == at(2026, 11, 30, 10, 30)


def test_a_public_holiday_moves_the_deadline_to_the_next_working_day():
    dutch = holidays.country_holidays("NL")
    # Friday 24 April 2026; Monday 27 April is King's Day.
    deadline = office(closed=lambda day: day in dutch, lunch=True).add(at(2026, 4, 24, 17), 7 * H)
    assert deadline == at(2026, 4, 28, 15, 30)


def test_lunch_is_not_working_time():
    assert office(lunch=True).add(at(2026, 11, 30, 11), 2 * H) == at(2026, 11, 30, 13, 30)


def test_working_time_between_two_moments_counts_only_open_hours():
    schedule = office()
    assert schedule.between(at(2026, 11, 27, 17), at(2026, 11, 30, 9, 30)) == 1.5 * H
    assert schedule.between(at(2026, 11, 30, 9, 30), at(2026, 11, 27, 17)) == -1.5 * H
    # Adding what lies between two moments gets from one to the other.
    start = at(2026, 11, 27, 17)
    assert schedule.add(start, schedule.between(start, at(2026, 12, 2, 10))) == at(2026, 12, 2, 10)


def test_next_opening_is_the_moment_itself_when_open():
    schedule = office()
    assert schedule.next_opening(at(2026, 11, 30, 2)) == at(2026, 11, 30, 8, 30)
    assert schedule.next_opening(at(2026, 11, 28, 12)) == at(2026, 11, 30, 8, 30)  # Saturday
    assert schedule.next_opening(at(2026, 11, 30, 9)) == at(2026, 11, 30, 9)
    assert schedule.is_open(at(2026, 11, 30, 9)) and not schedule.is_open(at(2026, 11, 30, 18))


def test_hours_are_wall_clock_times_across_the_change_to_winter_time():
    # Summer time ends Sunday 25 October 2026: Friday 17:00 CEST + 7 h is Monday 15:30 CET.
    deadline = office(lunch=True).add(at(2026, 10, 23, 17), 7 * H)
    assert deadline == at(2026, 10, 26, 15, 30)
    assert deadline.utcoffset() == datetime.timedelta(0)  # stored in UTC
    assert deadline == datetime.datetime(2026, 10, 26, 14, 30, tzinfo=datetime.UTC)
    # Friday's half hour was CEST, Monday's hours CET: seven hours of work all the same.
    assert office(lunch=True).between(at(2026, 10, 23, 17), deadline) == 7 * H


def test_round_the_clock_counts_every_hour_even_over_a_change_of_clocks():
    start = at(2026, 10, 24, 23)  # the night the clocks go back an hour
    assert ROUND_THE_CLOCK.add(start, 4 * H) == start.astimezone(datetime.UTC) + 4 * H
    assert ROUND_THE_CLOCK.between(start, start.astimezone(datetime.UTC) + 30 * H) == 30 * H


def test_a_calendar_without_hours_says_so():
    with pytest.raises(NoWorkingTime):
        Schedule(time_zone=AMSTERDAM).add(at(2026, 11, 30, 9), H)


@pytest.mark.parametrize(
    ("duration", "words"),
    [(200 * 60, "3 h 20 min"), (45 * 60, "45 min"), (7200, "2 h"), (0, "0 min"), (52 * 3600, "2 days 4 h")],
)
def test_durations_in_words(duration, words):
    assert duration_in_words(datetime.timedelta(seconds=duration)) == words
