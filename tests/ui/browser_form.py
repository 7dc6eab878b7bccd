"""A form as a browser submits it: read from the HTML a page renders, with the browser's
rules for what each control sends (WHATWG HTML, "constructing the entry list" and each
input type's value sanitization). No JavaScript: the forms of the portal work without it.

Used by the guard that saves every edit form unchanged; html.parser is enough, the pages
are our own templates.
"""

import datetime
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

DATE = re.compile(r"^\d{4,}-\d{2}-\d{2}$")
LOCAL_DATETIME = re.compile(r"^(\d{4,}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2}(\.\d{1,3})?)?$")
NUMBER = re.compile(r"^-?(\d+(\.\d+)?|\.\d+)([eE][-+]?\d+)?$")


@dataclass
class Control:
    tag: str
    attrs: dict
    options: list = field(default_factory=list)  # (value, selected, disabled) of a <select>
    text: str = ""  # a <textarea>'s content


@dataclass
class Form:
    attrs: dict
    controls: list = field(default_factory=list)

    @property
    def method(self) -> str:
        return (self.attrs.get("method") or "get").lower()

    def entries(self) -> list[tuple[str, str]]:
        """The name/value pairs the browser sends when the form is submitted as it stands
        (through a submit button without a name, as ours are)."""
        pairs = []
        for control in self.controls:
            name = control.attrs.get("name")
            if not name or "disabled" in control.attrs:
                continue
            if control.tag == "select":
                pairs += [(name, value) for value in _selected(control)]
            elif control.tag == "textarea":
                pairs.append((name, _crlf(control.text)))
            else:
                kind = (control.attrs.get("type") or "text").lower()
                if kind in ("submit", "button", "reset", "image", "file"):
                    continue
                if kind in ("checkbox", "radio"):
                    if "checked" in control.attrs:
                        pairs.append((name, control.attrs.get("value", "on")))
                    continue
                pairs.append((name, sanitized(kind, control.attrs.get("value", ""))))
        return pairs

    def data(self) -> dict[str, list[str]]:
        """The entries as the Django test client posts them (one list per name)."""
        result: dict[str, list[str]] = {}
        for name, value in self.entries():
            result.setdefault(name, []).append(value)
        return result


def sanitized(kind: str, value: str) -> str:
    """The value an <input> holds after the browser's value sanitization: a date the
    browser cannot read becomes empty, which is how `value="28/11/2026"` lost dates."""
    if kind in ("text", "search", "tel", "password", "url", "email", "hidden"):
        value = value.replace("\r", "").replace("\n", "")
        return value.strip() if kind in ("url", "email") else value
    if kind == "date":
        return value if DATE.match(value) and _is_date(value) else ""
    if kind == "datetime-local":
        match = LOCAL_DATETIME.match(value)
        if not match or not _is_date(match.group(1)):
            return ""
        # Normalised: a "T", and seconds only when they are not zero.
        seconds = match.group(3) or ""
        if seconds and float(seconds[1:]) == 0:
            seconds = ""
        return f"{match.group(1)}T{match.group(2)}{seconds}"
    if kind == "number":
        return value if NUMBER.match(value) else ""
    return value


def _is_date(text: str) -> bool:
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _selected(control: Control) -> list[str]:
    selected = [value for value, is_selected, _ in control.options if is_selected]
    if "multiple" in control.attrs:
        return selected
    if selected:
        return selected[-1:]  # a single select keeps the last option marked selected
    # Nothing marked: the browser selects the first option that is not disabled.
    enabled = [value for value, _, disabled in control.options if not disabled]
    return enabled[:1]


def _crlf(text: str) -> str:
    # Browsers send line breaks of a textarea as CRLF, whatever the page held.
    return re.sub(r"\r\n|\r|\n", "\r\n", text)


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Control | None = None
        self._option: list | None = None
        self._textarea: Control | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {name: (value if value is not None else "") for name, value in attrs}
        if tag == "form":
            self._form = Form(attrs)
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input":
            self._form.controls.append(Control("input", attrs))
        elif tag == "select":
            self._select = Control("select", attrs)
            self._form.controls.append(self._select)
        elif tag == "option" and self._select is not None:
            self._close_option()
            self._option = [attrs.get("value"), "selected" in attrs, "disabled" in attrs, ""]
        elif tag == "textarea":
            self._textarea = Control("textarea", attrs)
            self._form.controls.append(self._textarea)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.text += data
        elif self._option is not None:
            self._option[3] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "option":
            self._close_option()
        elif tag == "select" and self._select is not None:
            self._close_option()
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            # The parser drops one line break right after <textarea> (Django writes one).
            text = self._textarea.text
            self._textarea.text = text[2:] if text.startswith("\r\n") else text.removeprefix("\n")
            self._textarea = None

    def _close_option(self):
        if self._option is not None and self._select is not None:
            value, selected, disabled, text = self._option
            if value is None:  # an option without a value sends its text
                value = " ".join(text.split())
            self._select.options.append((value, selected, disabled))
        self._option = None


def forms_in(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return parser.forms


def main_form(html: str, *, path: str) -> Form:
    """The form a page is about: the one that posts to the page itself (the sign-out
    button and the search box of the navigation post or get elsewhere)."""
    candidates = [
        form
        for form in forms_in(html)
        if form.method == "post" and form.attrs.get("action", "") in ("", path, ".")
    ]
    if len(candidates) != 1:
        raise AssertionError(f"{path}: expected one form posting to the page, found {len(candidates)}")
    return candidates[0]


def error_messages(html: str) -> list[str]:
    """What a page shows as errors: field messages and alerts, in words."""
    found = re.findall(
        r'<(?:div|span|p|strong)[^>]*class="[^"]*(?:invalid-feedback|alert-danger|errorlist)[^"]*"[^>]*>(.*?)</',
        html,
        re.S,
    )
    return [" ".join(re.sub(r"<[^>]+>", " ", message).split()) for message in found if message.strip()]
