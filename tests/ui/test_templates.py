"""Guards over the template files themselves."""

import re
from pathlib import Path

from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR, "templates")


def _lines():
    for path in TEMPLATES.rglob("*.html"):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            yield f"{path.relative_to(TEMPLATES)}:{number}", line


def test_no_template_hard_codes_a_level_of_the_route():
    # "level < 3", "level == 3", "level|add:1": the route's top lives in relationships.rules
    # and the templates ask Escalation.can_escalate / next_level.
    hard_coded = re.compile(r"\blevel\s*(<|>|==|<=|>=|!=)\s*\d|\blevel\|add:")
    offenders = [f"{where}: {line.strip()}" for where, line in _lines() if hard_coded.search(line)]
    assert offenders == []


def test_no_template_comment_spans_lines():
    # Django's {# … #} is one line only: a longer one is printed on the page as text.
    offenders = [where for where, line in _lines() if "{#" in line and "#}" not in line[line.index("{#") :]]
    assert offenders == []
