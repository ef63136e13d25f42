"""The FY2017 demo data against the seed, cell by cell: each of the seed's cells, whole, is the stored
text; every line of the seed belongs to a cell or a row label; every item number the seed gives is kept;
a cell an agency wrote once for two items prints once."""

import io
import re
import unicodedata
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from kosodate.agencies.models import Council
from kosodate.extensions import db
from kosodate.initiatives.models import CATEGORY_LABELS, Initiative, PlanItem
from kosodate.reports.compiled import compiled_columns
from kosodate.reports.layout import lay_out

SEED_LINES = (
    (Path(__file__).parent / "data" / "seed_fy2017_atsugi.txt").read_text(encoding="utf-8").split("\n")
)

#: Where each initiative's cells are in the seed: line numbers (1-based, a range a-b), or "line#n" for
#: the n-th of the cells a line holds side by side (split at ASCII spaces; where the line starts with
#: the row label, that is #1). An initiative is its column's position in the list and its first plan
#: item. Where an agency wrote one cell for the two items of its column, both point at it.
CELLS = """
column | header  | categories | (1)     | (2)     | (3)     | (4)     | (5)
# page 1: 神奈川県医療課, 厚木医師会, 厚木市立病院 (8, 17), もみじ (12, 6), ふたばらいふ
1      | 4#2     | 6#2        | 10-14   | 37-39   | 76-79   | 110     | 134-135
2      | 4#3     | 6#3        | 16      | 41-47   | 81-84   | 112-116 | 137-141
3/8    | 4#4     | 6#4        | 18-19   | 49-52   | 86-88   | 118     | 143-145
3/17   | 4#4     | 6#4        | 21-23   | 54-56   | 86-88   | 118     | 143-145
4/12   | 4#5     | 6#5        | 25      | 58-60   | 90-92   | 120-121 | 147-157
4/6    | 4#5     | 6#5        | 27      | 62-64   | 90-92   | 123     | 147-157
5/13   | 4#6     | 6#6        | 29-31   | 66-70   | 94-103  | 125-129 | 159-161
# page 2: 厚木保健福祉事務所, 厚木市健康づくり課①, ゆいはあと, 厚木児童相談所
6/1    | 186#1   | 192#1      | 194-198 | 215-226 | 243-253 | 268     | 284-294
7/1    | 186#2   | 192#2      | 200-211 | 228-232 | 255-258 | 270-274 | 296-298
8/4    | 187-189 | 192#3      | 213#1   | 234-237 | 260-264 | 276-280 | 300-303
9/16   | 190     | 192#4      | 213#2   | 239-241 | 266     | 282     | 305-309
# page 3: まめの木, 厚木市障がい福祉課① ②, 神奈川県立座間養護学校① ②
10/1   | 332-333 | 337#1      | 339-346 | 371-372 | 392-395 | 412     | 437
11/6   | 335#1   | 337#2      | 348-350 | 374-375 | 397-398 | 414-417 | 438-439
12/21  | 335#2   | 337#3      | 352-357 | 377-378 | 400-401 | 419-420 | 441
13/17  | 335#3   | 337#4      | 359-365 | 380-385 | 403-408 | 422-428 | 443-446
14/14  | 335#4   | 337#5      | 367-369 | 387-390 | 410     | 430-435 | 448
# page 4: 総合療育相談センター, 北里大学東病院 小児在宅支援センター, リハビリテーション事業団 (two columns)
15/18  | 451     | 457#1      | 459-464 | 485-490 | 501     | 509     | 520
16/22  | 452-454 | 457#2      | 466     | 492-493 | 502-503 | 510-511 | 521-522
17/5   | 455#1   | 457#3      | 468-474 | 495-497 | 505     | 513-515 | 524-525
18/10  | 455#2   | 457#4      | 476-483 | 499     | 506-507 | 517-518 | 527-528
"""
#: the title, 資料２－２, and the row labels (pages 2–4 repeat them; page 4's are cut to 取組み)
LABEL_LINES = {
    2,
    8,
    *range(33, 36),
    *range(72, 75),
    *range(105, 109),
    131,
    132,
    *range(163, 185),
    *range(310, 331),
}
LABEL_LINES |= {449}
ROW_LABEL_CELLS = {"4#1", "6#1"}  # 団体名, 課題区分
TEXT_ROWS = ("content", "progress", "challenges", "proposals", "next_year_plan")


def seed_cells() -> list[dict]:
    lines = [line for line in CELLS.strip().splitlines() if not line.startswith("#")]
    header, *rows = [[part.strip() for part in line.split("|")] for line in lines]
    return [dict(zip(header, row, strict=True)) for row in rows]


def seed_text(location: str) -> str:
    if "#" in location:
        line, part = location.split("#")
        return SEED_LINES[int(line) - 1].split(" ")[int(part) - 1]
    first, _, last = location.partition("-")
    return "\n".join(SEED_LINES[int(first) - 1 : int(last or first)])


def whole(text: str) -> str:
    """A cell compared whole: every line break and space removed, nothing else."""
    return re.sub(r"\s", "", text)


def stored_initiative(column: str) -> Initiative:
    """ "3/17": the initiative in the list's third column whose (first) plan item is 17."""
    order, _, item = column.partition("/")
    query = sa.select(Initiative).where(Initiative.sort_order == int(order))
    if item:
        query = query.join(Initiative.plan_item).where(PlanItem.number == int(item))
    return db.session.scalars(query).one()


def test_every_line_of_the_seed_belongs_to_one_cell_or_a_row_label():
    lines: dict[int, set[str]] = {}
    parts: set[str] = set(ROW_LABEL_CELLS)
    for cell in seed_cells():
        for location in list(cell.values())[1:]:
            if "#" in location:
                parts.add(location)
            else:
                first, _, last = location.partition("-")
                for number in range(int(first), int(last or first) + 1):
                    lines.setdefault(number, set()).add(location)
    for number, line in enumerate(SEED_LINES, start=1):
        if not line.strip() or number in LABEL_LINES:
            continue
        held = {f"{number}#{part}" for part in range(1, len(line.split(" ")) + 1)}
        if held & parts:
            assert held <= parts, (number, line)
        else:
            assert len(lines.get(number, ())) == 1, (number, line)


def test_each_seed_cell_whole_is_the_stored_text(demo):
    differences = []
    for cell in seed_cells():
        initiative = stored_initiative(cell["column"])
        report = initiative.reports[0]
        stored = [initiative.content, *(getattr(report, row) for row in TEXT_ROWS[1:])]
        for label, text in zip(("(1)", "(2)", "(3)", "(4)", "(5)"), stored, strict=True):
            seed = seed_text(cell[label])
            if whole(seed) != whole(text):
                differences.append(f"{cell['column']} {label}:\n  seed {whole(seed)}\n  data {whole(text)}")
        # names: half-width katakana (ﾘﾊﾋﾞﾘﾃｰｼｮﾝ) is stored full-width, on purpose (the data file says why)
        header = unicodedata.normalize("NFKC", whole(seed_text(cell["header"])))
        if header != unicodedata.normalize("NFKC", whole(initiative.column_label)):
            differences.append(f"{cell['column']} header: seed {header}")
    assert not differences, "\n".join(differences)


def test_each_categories_cell_is_the_categories_of_its_column(demo):
    labels = {label: category for category, label in CATEGORY_LABELS.items()}
    by_location: dict[str, list] = {}
    for cell in seed_cells():
        by_location.setdefault(cell["categories"], []).extend(stored_initiative(cell["column"]).categories)
    for location, stored in by_location.items():
        seed = [labels[part] for part in re.split(r"[、\s]+", seed_text(location)) if part and part != "－"]
        assert seed == stored, location


def test_every_item_number_the_seed_gives_is_kept(demo):
    """The numbers that open the lines of a (1) cell: ８　体制構築…, ①「１ 体制構築…, 20　普及啓発…"""
    for cell in seed_cells():
        cell_lines = seed_text(cell["(1)"]).split("\n")
        numbers = [int(match[1]) for line in cell_lines if (match := re.match(r"^[①-⑳]?「?(\d+)\s", line))]
        initiative = stored_initiative(cell["column"])
        assert [item.number for item in initiative.plan_items] == numbers, cell["column"]
    public_health_office, health_division = stored_initiative("6"), stored_initiative("7")
    assert public_health_office.lead_agency.name == "厚木保健福祉事務所"
    assert [item.number for item in public_health_office.plan_items] == [1, 8, 9]
    assert health_division.column_label == "厚木市健康づくり課①"
    assert [item.number for item in health_division.plan_items] == [1, 9, 20]


def shared_cells() -> list[str]:
    """The texts written once for a column of two items (the hospital's (3)–(5), もみじ's (3) and (5))."""
    seen: dict[str, int] = {}
    for cell in seed_cells():
        for label in ("(1)", "(2)", "(3)", "(4)", "(5)"):
            seen[cell[label]] = seen.get(cell[label], 0) + 1
    return [seed_text(location) for location, count in seen.items() if count > 1]


@pytest.fixture
def council(demo) -> int:
    return db.session.scalar(sa.select(Council.id))


def test_a_cell_written_once_for_two_items_prints_once_on_the_page_and_in_the_excel(login_as, council):
    texts = [whole(text) for text in shared_cells()]
    assert len(texts) == 5 and "－" in texts
    client = login_as("jimukyoku@example.org")
    html = client.get(f"/reports/progress?council={council}&fy=2017").get_data(as_text=True)
    cells = [whole(re.sub(r"<[^>]+>", "", cell)) for cell in re.findall(r"<td[^>]*>(.*?)</td>", html, re.S)]
    sheet = load_workbook(io.BytesIO(client.get(f"/reports/progress.xlsx?council={council}&fy=2017").data))
    values = [
        whole(str(cell.value)) for row in sheet["進捗状況一覧"].iter_rows() for cell in row if cell.value
    ]
    for text in texts:
        if text != "－":
            assert cells.count(text) == 1, text
            assert values.count(text) == 1, text
    block = lay_out(compiled_columns(council, 2017)).blocks[0]
    assert [cell.text for cell in block.headers][2] == "厚木市立病院"
    proposals = [(cell.text, cell.span) for cell in block.rows[3]]
    assert proposals[2] == ("－", 2)  # the hospital's (4), one cell across its two items
    assert [span for _text, span in proposals] == [2, 2, 2, 1, 1, 2]  # もみじ wrote two
