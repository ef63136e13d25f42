"""Which characters user text may hold: no control characters, but tabs and, where a text has
lines, line breaks. PostgreSQL refuses NUL in text; the others only hide or garble what is shown."""

import re

#: C0 and C1 control characters and DEL, but tab, line feed and carriage return
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: the same, and line breaks too: for one-line values (titles, names, URL parameters)
_CONTROL_ONE_LINE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")
#: characters that reverse or isolate the direction of the text around them: a file name
#: "請求書\u202efdp.exe" shows as "請求書exe.pdf"
_BIDI_CONTROL = re.compile(r"[\u202a-\u202e\u2066-\u2069]")

CONTROL_MESSAGE = "使えない文字（制御文字）が含まれています。取り除いてからもう一度送信してください。"


def has_control_characters(text: str, *, multiline: bool = True) -> bool:
    return (_CONTROL if multiline else _CONTROL_ONE_LINE).search(text) is not None


def is_safe_file_name(name: str) -> bool:
    return not has_control_characters(name, multiline=False) and _BIDI_CONTROL.search(name) is None
