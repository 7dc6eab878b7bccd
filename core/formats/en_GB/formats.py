"""How dates read for people, on every page and in every e-mail: "27 Nov 2026" and
"27 Nov 2026, 14:05" (a 24-hour clock, where Django's en-GB default says "2:05 p.m.").
Templates use these names (`|date`, `|date:"DATETIME_FORMAT"`), never a format of their own.

Only the display formats are set here: what a form's input takes and shows
(DATE_INPUT_FORMATS) stays Django's, and exports and the API stay ISO.
"""

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j M"
YEAR_MONTH_FORMAT = "M Y"
