"""Tools of the no-500 test: what each route reads, the forms the pages offer, and Hypothesis
strategies of malformed values for them.

What a route reads is learnt, not listed: a recording request class notes every parameter name a
view looks up (request.args, request.form, request.files, and WTForms' lookups through them); the
forms come from the HTML of every page. A route added later is fuzzed without a change here.
"""

import io
import re
import zipfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, urlsplit

from flask import Request
from hypothesis import strategies as st
from openpyxl import Workbook
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.routing import AnyConverter, Rule

from kosodate.core.args import IdConverter

# --- what a view reads ---------------------------------------------------------------------------

READ_NAMES: set[str] = set()


class RecordingMultiDict(ImmutableMultiDict):
    def __getitem__(self, key):
        READ_NAMES.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        READ_NAMES.add(key)
        return super().__contains__(key)

    def get(self, key, default=None, type=None):
        READ_NAMES.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):
        READ_NAMES.add(key)
        return super().getlist(key, type)


class RecordingRequest(Request):
    """request.args, .form and .files note the names looked up in them in READ_NAMES."""

    parameter_storage_class = RecordingMultiDict


# --- the forms of a page -------------------------------------------------------------------------


@dataclass
class Field:
    name: str
    #: "text" (typed or hidden), "choice" (select, checkboxes, radio, submit buttons) or "file"
    kind: str
    multiple: bool = False
    options: list[str] = field(default_factory=list)
    #: the options the page shows selected or checked
    selected: list[str] = field(default_factory=list)
    value: str = ""
    #: the input's type attribute (date, time, number, email …), "textarea", or "text"
    input_type: str = "text"


@dataclass
class PageForm:
    method: str
    action: str
    fields: dict[str, Field] = field(default_factory=dict)


class FormParser(HTMLParser):
    """The forms of a page, each with its fields, the values it shows and the options it offers."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[PageForm] = []
        self._form: PageForm | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None

    def _field(self, name: str, kind: str, multiple: bool = False) -> Field:
        return self._form.fields.setdefault(name, Field(name, kind, multiple))

    def handle_starttag(self, tag, attrs):
        attributes = {key: value or "" for key, value in attrs}
        name = attributes.get("name")
        if tag == "option" and self._select is not None:
            self._select.options.append(attributes.get("value", ""))
            if "selected" in attributes:
                self._select.selected.append(attributes.get("value", ""))
        elif tag == "form":
            self._form = PageForm(attributes.get("method", "get").lower(), attributes.get("action", ""))
            self.forms.append(self._form)
        elif self._form is None or not name:
            return
        elif tag == "input":
            kind = attributes.get("type", "text").lower()
            if kind in ("checkbox", "radio", "submit", "image"):
                spec = self._field(name, "choice", multiple=kind == "checkbox")
                spec.options.append(attributes.get("value", "on"))
                if "checked" in attributes:
                    spec.selected.append(attributes.get("value", "on"))
            elif kind == "file":
                self._field(name, "file")
            else:
                spec = self._field(name, "text")
                spec.value, spec.input_type = attributes.get("value", ""), kind
        elif tag == "button" and attributes.get("type", "submit") == "submit":
            self._field(name, "choice").options.append(attributes.get("value", ""))
        elif tag == "select":
            self._select = self._field(name, "choice", multiple="multiple" in attributes)
        elif tag == "textarea":
            self._textarea = self._field(name, "text")
            self._textarea.input_type = "textarea"

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:  # a browser drops the line break right after <textarea>
            self._textarea.value += data if self._textarea.value else data.removeprefix("\n")


#: a form as a page offers it: its fields, and the query of the URL it posts to
Baseline = tuple[list[Field], list[tuple[str, str]]]


def page_forms(html: str) -> list[PageForm]:
    parser = FormParser()
    parser.feed(html)
    return parser.forms


def split_action(page_url: str, action: str) -> tuple[str, list[tuple[str, str]]]:
    """The path and query pairs a form posts to (an empty action posts to the page itself)."""
    parts = urlsplit(action or page_url)
    return parts.path, parse_qsl(parts.query, keep_blank_values=True)


# --- malformed values ----------------------------------------------------------------------------

NASTY = [
    "",
    " ",
    "\x00",
    "title\x00",
    "\x1b[31m",
    "\t",
    "a\r\nb",
    "0",
    "-1",
    "1",
    "2",
    "2147483647",
    "2147483648",
    "-2147483649",
    "9223372036854775808",
    "1e20",
    "1" * 25,
    "9" * 5000,
    "NaN",
    "inf",
    "None",
    "null",
    "on",
    "true",
    "0001-01-01",
    "9999-12-31",
    "2018-02-30",
    "10000-01-01",
    "24:00",
    "１２",
    "٣",
    '=HYPERLINK("http://x","y")',
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%00",
    "../../etc/passwd",
    "\u202egpj.exe",
    "👩\u200d⚕️",
    "あ" * 400,
    "x" * 20_001,
]
CONTROL = st.sampled_from(["\x00", "件名\x00", "\x00\x00", "\x1b", "a\x7fb", "\x0b", "\ufeff\x00"])
#: ids, years, pages: most parameters are numbers, and numbers out of range were most of the 500s
NUMBER = st.one_of(
    st.sampled_from(["0", "-1", "10000", "2147483648", "1e20", "1" * 25]),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
VALUE = st.one_of(st.sampled_from(NASTY), CONTROL, NUMBER, st.text(max_size=30))
#: what a user would type in an empty field of this type
TYPED = {"date": "2018-02-28", "time": "14:00", "number": "2018", "email": "someone@example.org"}


def workbook_bytes(sheet_xml: bytes | None = None, extra: dict[str, bytes] | None = None) -> bytes:
    """A workbook with the compiled list's sheet name; its sheet replaced or parts added when asked."""
    workbook = Workbook()
    workbook.active.title = "進捗状況一覧"
    workbook.active["A2"] = "団体名"
    buffer = io.BytesIO()
    workbook.save(buffer)
    if sheet_xml is None and not extra:
        return buffer.getvalue()
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if sheet_xml is not None and info.filename == "xl/worksheets/sheet1.xml":
                data = sheet_xml
            target.writestr(info.filename, data)
        for name, data in (extra or {}).items():
            target.writestr(name, data)
    return out.getvalue()


DTD_SHEET = (
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<sheetData><row><c t="inlineStr"><is><t>&e;</t></is></c></row></sheetData></worksheet>'
)
FILE_CONTENTS = [
    b"",
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
    b"\x89PNG\r\n\x1a\n" + b"\x00" * 32,
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 32,
    "団体名,関係機関\r\n\x00,=1+1\r\n".encode(),
    b"PK\x03\x04 not really a zip",
    workbook_bytes(),
    workbook_bytes(DTD_SHEET),
    workbook_bytes(b"<worksheet><sheetData><row><c>"),
    workbook_bytes(extra={"xl/zeros.xml": b"<x>" + b" " * (25 * 1024 * 1024) + b"</x>"}),
]
FILE_NAMES = [
    "list.xlsx",
    "list.csv",
    "別紙.pdf",
    "image.png",
    "old.xls",
    "x\x00.pdf",
    "../../etc/passwd.pdf",
    "あ" * 300 + ".pdf",
    "\u202egpj.exe.pdf",
    "",
]
FILE = st.tuples(st.sampled_from(FILE_CONTENTS), st.sampled_from(FILE_NAMES) | st.text(max_size=20))


# --- requests ------------------------------------------------------------------------------------


@dataclass
class FuzzRequest:
    method: str
    path: str
    query: list[tuple[str, str]]
    #: (name, value) with value a str, or (bytes, file name) for a file
    form: list[tuple[str, object]]

    def send(self, client):
        data = [
            (name, (io.BytesIO(value[0]), value[1]) if isinstance(value, tuple) else value)
            for name, value in self.form
        ]
        has_files = any(isinstance(value, tuple) for _name, value in self.form)
        return client.open(
            self.path,
            method=self.method,
            query_string=self.query,
            data=MultiDict(data) if self.method == "POST" else None,
            content_type="multipart/form-data" if has_files else None,
        )


def path_for(rule: Rule, values: dict[str, str]) -> str:
    path = rule.rule
    for name, value in values.items():
        path = re.sub(
            rf"<(?:[^<>]*:)?{name}>", quote(str(value), safe="/" if name == "filename" else ""), path
        )
    return path


def _query(names: set[str], known: dict[str, str]) -> st.SearchStrategy[list[tuple[str, str]]]:
    """Parameters the view reads (and one it does not), with good values or malformed ones; mostly
    without control characters, which every route refuses at once."""
    printable = st.text(alphabet=st.characters(exclude_categories=["Cc", "Cs"]), max_size=30)
    value = st.one_of(st.sampled_from(sorted(set(known.values()))), NUMBER, NUMBER, VALUE, printable)
    return st.lists(st.tuples(st.sampled_from(sorted(names | {"x"})), value), min_size=1, max_size=4)


def _baseline_pairs(spec: Field) -> st.SearchStrategy[list[tuple[str, object]]]:
    """What a browser could send for the field as the page offers it."""
    if spec.kind == "file":
        return FILE.map(lambda upload: [(spec.name, upload)])
    if spec.kind == "choice" and spec.options:
        if spec.multiple:
            chosen = st.just(spec.selected) | st.lists(st.sampled_from(spec.options), unique=True, max_size=3)
        else:  # what the page shows first: a browser sends the first option when none is selected
            shown = (spec.selected or spec.options)[0]
            chosen = st.one_of(st.just(shown), st.sampled_from(spec.options)).map(lambda value: [value])
        return chosen.map(lambda values: [(spec.name, value) for value in values])
    typed = TYPED.get(spec.input_type, "テスト") if spec.input_type != "hidden" else ""
    return st.just([(spec.name, spec.value.strip("\r\n") or typed)])


#: where an example puts its malformed values: one place at a time, so that the rest of the request
#: is good and the malformed value reaches as far as it can; or everywhere at once
FOCUS = {
    "GET": ("query", "query", "path", "everywhere"),
    "POST": ("form", "form", "form", "query", "path", "everywhere"),
}


@st.composite
def fuzz_requests(draw, rule: Rule, method: str, known: dict[str, str], query_values: dict[str, str],
             query_names: set[str], form_names: set[str], baselines: list, csrf_token: str):  # fmt: skip
    """A request as a page would send it (a form as the page offers it, good ids in the URL) with
    malformed values in one place: a path argument, the query, or one or two form fields (at times a
    file in place of text, or a field no form has). The CSRF token is always valid."""
    places = [place for place in FOCUS[method] if place != "path" or rule.arguments]
    focus = draw(st.sampled_from(places), label="focus")
    values = {
        name: draw(st.sampled_from(sorted(c.items))) if isinstance(c, AnyConverter) else known[name]
        for name, c in rule._converters.items()
    }
    if focus in ("path", "everywhere") and rule.arguments:
        name = draw(st.sampled_from(sorted(values)))
        malformed = st.integers(-(2**70), 2**70) if isinstance(rule._converters[name], IdConverter) else VALUE
        values[name] = str(draw(malformed))
    path = path_for(rule, values)
    query = draw(_query(query_names, query_values)) if focus in ("query", "everywhere") else []
    if method != "POST":
        return FuzzRequest(method, path, query, [])
    fields, form_query = draw(st.sampled_from(baselines)) if baselines else ([], [])
    candidates = sorted(({spec.name for spec in fields} | form_names | {"?"}) - {"csrf_token"})
    size = {"form": (1, 1), "everywhere": (1, 3)}.get(focus, (0, 0))
    mutated = draw(st.sets(st.sampled_from(candidates), min_size=size[0], max_size=size[1]), label="fields")
    pairs: list[tuple[str, object]] = [("csrf_token", csrf_token)]
    for spec in fields:
        if spec.name != "csrf_token" and spec.name not in mutated:
            pairs += draw(_baseline_pairs(spec))
    for name in sorted(mutated):
        if name == "?":  # a field no form has
            name = draw(st.text(min_size=1, max_size=8))
        pairs += [
            (name, value) for value in draw(st.lists(st.one_of(VALUE, VALUE, FILE), min_size=1, max_size=3))
        ]
    return FuzzRequest(method, path, form_query + query, pairs)
