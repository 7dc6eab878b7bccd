"""How a share of met service levels is judged for people, on every page that colours it
(unit page, portal, agreement pages, the service page, the attainment chart): one rule.

A month, target or service is green only when every measurement met its target; any miss
makes it amber, and under 80% met it is red. The band comes from the counts, never from a
rounded percentage (199 of 200 rounds to 100%, and is not all met).
"""

from django.db import models

MANY_MISSED_BELOW = 80  # percent met


class Band(models.TextChoices):
    MET = "met", "Every target met"
    SOME_MISSED = "some-missed", f"Some missed ({MANY_MISSED_BELOW}% or more met)"
    MANY_MISSED = "many-missed", f"Many missed (under {MANY_MISSED_BELOW}% met)"


# The colours of the bands where CSS cannot reach (chart bars); the stylesheets use the same.
BAND_COLOURS = {Band.MET: "#2f9e44", Band.SOME_MISSED: "#e8a317", Band.MANY_MISSED: "#e03131"}


def attainment_band(*, met: int, measured: int) -> str | None:
    """The band of `met` out of `measured`, or None when nothing was measured."""
    if not measured:
        return None
    if met >= measured:
        return Band.MET
    if 100 * met < MANY_MISSED_BELOW * measured:
        return Band.MANY_MISSED
    return Band.SOME_MISSED


def attainment_percent(*, met: int, measured: int) -> int | None:
    """The share met, rounded, but 100% only when every target was met (199 of 200 is 99%)
    and 0% only when none was."""
    if not measured:
        return None
    percent = round(100 * met / measured)
    if percent == 100 and met < measured:
        return 99
    if percent == 0 and met > 0:
        return 1
    return percent


def attainment_legend() -> list[tuple[str, str]]:
    """(band, label) for a legend beside whatever is coloured."""
    return list(Band.choices)
