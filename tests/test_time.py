"""Fiscal years and Japanese dates as the councils write them."""

from datetime import UTC, date, datetime

import pytest

from kosodate.core.time import (
    date_ja,
    datetime_ja,
    fiscal_year_label,
    fiscal_year_of,
    fiscal_year_short,
)


@pytest.mark.parametrize(
    ("day", "fiscal_year"),
    [
        (date(2017, 4, 1), 2017),
        (date(2018, 2, 28), 2017),
        (date(2018, 3, 31), 2017),
        (date(2018, 4, 1), 2018),
    ],
)
def test_fiscal_year_runs_april_to_march(day, fiscal_year):
    assert fiscal_year_of(day) == fiscal_year


@pytest.mark.parametrize(
    ("fiscal_year", "label"),
    [
        (2017, "平成29年度 (2017年度)"),
        (1989, "平成元年度 (1989年度)"),
        (2018, "平成30年度 (2018年度)"),
        (2019, "令和元年度 (2019年度)"),
        (2026, "令和8年度 (2026年度)"),
    ],
)
def test_fiscal_year_label_in_wareki_and_western(fiscal_year, label):
    assert fiscal_year_label(fiscal_year) == label


def test_short_fiscal_year_as_in_the_row_headers():
    assert fiscal_year_short(2017) == "29年度"
    assert fiscal_year_short(2019) == "元年度"


def test_dates_in_japanese_with_weekday():
    assert date_ja(date(2018, 2, 28)) == "2018年2月28日(水)"
    assert date_ja(None) == ""


def test_datetimes_are_shown_in_tokyo_time():
    # 05:00 UTC is 14:00 in Tokyo; 16:00 UTC on the 27th is already the 28th in Tokyo
    assert datetime_ja(datetime(2018, 2, 28, 5, 0, tzinfo=UTC)) == "2018年2月28日(水) 14:00"
    assert datetime_ja(datetime(2018, 2, 27, 16, 0, tzinfo=UTC)) == "2018年2月28日(水) 01:00"
