"""Working time: when an office is open, and clocks that run only while it is.

A `Schedule` is a calendar read into memory (calendars.selectors.schedule_of): working
hours per weekday in the calendar's own time zone, and the days it is closed (public
holidays from the `holidays` package, the organisation's own closing days). Everything
here is arithmetic on it: no queries, so a job can compute thousands of deadlines from the
few schedules it read once.

Hours are wall-clock times of the calendar's zone: 08:30 is 08:30 in Amsterdam in winter
and in summer, and a deadline stored in UTC moves with the clocks the way people expect.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

# How far ahead a clock looks for working time before it gives up: a calendar whose hours
# are all removed, or closed for years, has none to give.
SEARCH_DAYS = 3 * 366


class NoWorkingTime(ValueError):
    """The calendar has no working time within SEARCH_DAYS of the moment asked about."""


Interval = tuple[datetime.time, datetime.time]


@dataclass(frozen=True)
class Schedule:
    time_zone: ZoneInfo
    # Weekday (Monday 0) -> the day's working intervals, sorted, not overlapping. An end
    # of 00:00 means midnight at the end of the day.
    hours: dict[int, tuple[Interval, ...]] = field(default_factory=dict)
    is_closed_on: Callable[[datetime.date], bool] = lambda day: False
    round_the_clock: bool = False
    name: str = ""

    # --- the day's intervals ----------------------------------------------------------

    def intervals_on(self, day: datetime.date) -> list[tuple[datetime.datetime, datetime.datetime]]:
        """The working intervals of a local date, in UTC (none on a closed day). In UTC
        because Python subtracts two datetimes of one zone by their wall clocks, and a day
        of summer time's change is an hour shorter or longer than its clocks say."""
        if self.round_the_clock:
            return [
                (self._at(day, datetime.time()), self._at(day + datetime.timedelta(days=1), datetime.time()))
            ]
        if self.is_closed_on(day):
            return []
        result = []
        for starts, ends in self.hours.get(day.weekday(), ()):
            end_day = day + datetime.timedelta(days=1) if ends == datetime.time() else day
            result.append((self._at(day, starts), self._at(end_day, ends)))
        return result

    def _at(self, day: datetime.date, time: datetime.time) -> datetime.datetime:
        return _utc(datetime.datetime.combine(day, time, self.time_zone))

    def _intervals_from(self, moment: datetime.datetime):
        """Working intervals from `moment` on, the first clipped to start at it."""
        day = moment.astimezone(self.time_zone).date() - datetime.timedelta(days=1)
        for _ in range(SEARCH_DAYS):
            for start, end in self.intervals_on(day):
                if end > moment:
                    yield max(start, moment), end
            day += datetime.timedelta(days=1)
        raise NoWorkingTime(f"The calendar {self.name!r} has no working time after {moment:%Y-%m-%d %H:%M}.")

    # --- questions ---------------------------------------------------------------------

    def is_open(self, moment: datetime.datetime) -> bool:
        day = moment.astimezone(self.time_zone).date()
        return any(
            start <= moment < end
            for offset in (-1, 0)
            for start, end in self.intervals_on(day + datetime.timedelta(days=offset))
        )

    def next_opening(self, moment: datetime.datetime) -> datetime.datetime:
        """`moment` itself when the office is open, else when it next opens."""
        start, _end = next(self._intervals_from(moment))
        return start

    def add(self, moment: datetime.datetime, duration: datetime.timedelta) -> datetime.datetime:
        """The moment `duration` of working time after `moment`: a 7-hour window opened
        Friday 17:00 in a 08:30-17:30 calendar ends Monday 15:30."""
        if duration <= datetime.timedelta():
            return moment
        left = duration
        for start, end in self._intervals_from(moment):
            if end - start >= left:
                return start + left
            left -= end - start
        raise AssertionError("unreachable: _intervals_from raises first")  # pragma: no cover

    def between(self, earlier: datetime.datetime, later: datetime.datetime) -> datetime.timedelta:
        """Working time from `earlier` to `later` (negative when `later` comes first)."""
        if later < earlier:
            return -self.between(later, earlier)
        total = datetime.timedelta()
        day = earlier.astimezone(self.time_zone).date() - datetime.timedelta(days=1)
        last = later.astimezone(self.time_zone).date()
        while day <= last:
            for start, end in self.intervals_on(day):
                overlap = min(end, later) - max(start, earlier)
                if overlap > datetime.timedelta():
                    total += overlap
            day += datetime.timedelta(days=1)
        return total


def _utc(moment: datetime.datetime) -> datetime.datetime:
    # Stored and compared in UTC like every other datetime of the portal.
    return moment.astimezone(datetime.UTC)


ROUND_THE_CLOCK = Schedule(time_zone=ZoneInfo("UTC"), round_the_clock=True, name="Round the clock")


def duration_in_words(duration: datetime.timedelta) -> str:
    """ "3 h 20 min", "45 min", "2 days 4 h" (a day of working time is still said in hours
    up to 48, as a calendar's day may hold 9 of them)."""
    minutes = max(0, round(duration.total_seconds() / 60))
    hours, minutes = divmod(minutes, 60)
    if hours >= 48:
        days, hours = divmod(hours, 24)
        return f"{days} days {hours} h" if hours else f"{days} days"
    if hours and minutes:
        return f"{hours} h {minutes} min"
    if hours:
        return f"{hours} h"
    return f"{minutes} min"
