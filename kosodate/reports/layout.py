"""The compiled list laid out as the seed prints it: five agencies to a page, each page one block of
rows (団体名, 課題区分, (1)–(5)) with an agency's initiatives side by side under its header.

A cell an agency wrote once for all its initiatives is stored as the same text in each of their reports;
laid out, equal neighbouring cells of one agency become one cell across them, so it prints once. The
課題区分 row is never merged: its cells show where each initiative's columns are (the import reads them).

Columns sit on a grid so that every page has the same column widths: each agency gets as many grid
columns as the agency with the most initiatives has, shared among its own initiatives.
"""

from dataclasses import dataclass
from itertools import groupby

from .compiled import ListColumn

AGENCIES_PER_PAGE = 5


@dataclass(frozen=True)
class Cell:
    text: str
    #: grid columns the cell spans
    span: int


@dataclass(frozen=True)
class Block:
    """One printed page of the list."""

    columns: list[ListColumn]
    headers: list[Cell]
    #: 課題区分, one cell per initiative
    categories: list[Cell]
    #: rows (1)–(5)
    rows: list[list[Cell]]


@dataclass(frozen=True)
class Layout:
    #: grid columns per agency
    grid: int
    blocks: list[Block]

    @property
    def width(self) -> int:
        """Grid columns of a full page."""
        return self.grid * AGENCIES_PER_PAGE


def agency_groups(columns: list[ListColumn]) -> list[list[ListColumn]]:
    """An agency's initiatives sharing a column position and header stand together."""
    return [list(group) for _key, group in groupby(columns, key=lambda column: (column.group, column.header))]


def lay_out(columns: list[ListColumn]) -> Layout:
    groups = agency_groups(columns)
    grid = max((len(group) for group in groups), default=1)
    blocks = [
        _block(groups[start : start + AGENCIES_PER_PAGE], grid)
        for start in range(0, len(groups), AGENCIES_PER_PAGE)
    ]
    return Layout(grid, blocks)


def spans(count: int, grid: int) -> list[int]:
    """How many grid columns each of an agency's initiatives gets, the first ones the remainder."""
    base, extra = divmod(grid, count)
    return [base + (1 if index < extra else 0) for index in range(count)]


def _block(groups: list[list[ListColumn]], grid: int) -> Block:
    headers: list[Cell] = []
    categories: list[Cell] = []
    rows: list[list[Cell]] = [[] for _ in groups[0][0].texts]
    for group in groups:
        widths = spans(len(group), grid)
        headers.append(Cell(group[0].header, grid))
        categories += [
            Cell(column.category_labels, width) for column, width in zip(group, widths, strict=True)
        ]
        for row, cells in enumerate(rows):
            cells += _merged(
                [Cell(column.texts[row], width) for column, width in zip(group, widths, strict=True)]
            )
    return Block([column for group in groups for column in group], headers, categories, rows)


def _merged(cells: list[Cell]) -> list[Cell]:
    """Equal neighbours as one cell across them."""
    result: list[Cell] = []
    for cell in cells:
        if result and result[-1].text == cell.text:
            result[-1] = Cell(cell.text, result[-1].span + cell.span)
        else:
            result.append(cell)
    return result
