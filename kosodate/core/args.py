"""Numbers, ids, fiscal years, pages and dates from the query string, bounded before any query
sees them; ids in URL paths through the `id` converter. What does not parse or is out of range is
ignored (None), as a missing parameter would be."""

import re
from datetime import date

from flask import Flask, abort, request
from werkzeug.datastructures import MultiDict
from werkzeug.routing import BaseConverter, ValidationError

from .text import has_control_characters
from .time import DATE_MAX, DATE_MIN, FISCAL_YEAR_MAX, FISCAL_YEAR_MIN

#: ids are PostgreSQL `integer` columns
ID_MAX = 2**31 - 1
#: no list has this many pages; a larger number is a typo or a probe
PAGE_MAX = 100_000
_ID = re.compile(r"[1-9][0-9]{0,9}")


def parse_id(value) -> int | None:
    """An id (1 … 2³¹−1), given as a number or written in ASCII digits, or None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 < value <= ID_MAX else None
    if not isinstance(value, str) or not _ID.fullmatch(value):
        return None
    number = int(value)
    return number if number <= ID_MAX else None


class IdConverter(BaseConverter):
    """`<id:followup_id>`: matches 1 … 2³¹−1 only, so /followups/2147483648 is a 404."""

    regex = r"[1-9][0-9]{0,9}"
    weight = 50
    part_isolating = True

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValidationError()
        return number

    def to_url(self, value) -> str:
        return str(int(value))


def id_arg(args: MultiDict, name: str) -> int | None:
    return parse_id(args.get(name))


def int_arg(args: MultiDict, name: str, low: int, high: int) -> int | None:
    value = args.get(name, "")
    if not re.fullmatch(r"-?[0-9]{1,12}", value):
        return None
    number = int(value)
    return number if low <= number <= high else None


def fiscal_year_arg(args: MultiDict, name: str = "fy") -> int | None:
    return int_arg(args, name, FISCAL_YEAR_MIN, FISCAL_YEAR_MAX)


def page_arg(args: MultiDict, name: str = "page") -> int:
    return int_arg(args, name, 1, PAGE_MAX) or 1


def date_arg(args: MultiDict, name: str) -> date | None:
    try:
        day = date.fromisoformat(args.get(name, ""))
    except ValueError:
        return None
    return day if DATE_MIN <= day <= DATE_MAX else None


def register_arguments(app: Flask) -> None:
    app.url_map.converters["id"] = IdConverter

    @app.before_request
    def _refuse_control_characters():
        """No URL — its path (a feed's token, a file name) or a parameter — is ever meant to hold a
        control character (NUL, escape …)."""
        texts = [request.path] + [text for name, values in request.args.lists() for text in (name, *values)]
        if any(has_control_characters(text, multiline=False) for text in texts):
            abort(400, "URL に使えない文字（制御文字）が含まれています。")
