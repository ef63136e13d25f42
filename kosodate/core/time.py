"""The app's clock, Japanese fiscal years (年度) and era names (和暦)."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

TOKYO = ZoneInfo("Asia/Tokyo")
WEEKDAYS_JA = "月火水木金土日"

#: the fiscal years the app knows: from 平成元年度; a year outside is a typo, not a request
FISCAL_YEAR_MIN, FISCAL_YEAR_MAX = 1989, 2100
#: the days a form or URL may name (a due date, a meeting); 0001-01-01 cannot even be moved to UTC
DATE_MIN, DATE_MAX = date(1900, 1, 1), date(2100, 12, 31)

# (first day of the era, name); newest first. Enough for the fiscal years the councils use.
ERAS = (
    (date(2019, 5, 1), "令和"),
    (date(1989, 1, 8), "平成"),
    (date(1926, 12, 25), "昭和"),
)


def now() -> datetime:
    """The current time, aware, in UTC. Tests move it with time-machine."""
    return datetime.now(UTC)


def today_tokyo() -> date:
    return now().astimezone(TOKYO).date()


def to_tokyo(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(TOKYO)


def fiscal_year_of(day: date) -> int:
    """The fiscal year (April–March) a day falls in, by its starting calendar year."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_bounds(fiscal_year: int) -> tuple[date, date]:
    return date(fiscal_year, 4, 1), date(fiscal_year + 1, 3, 31)


def era_year(year: int) -> tuple[str, int]:
    """The era and year number that names a fiscal year.

    A fiscal year takes the era in force on its first day, except that FY2019, which began
    in 平成31 and is officially called 令和元年度, takes the new era.
    """
    first_day = date(year, 5, 1) if year == 2019 else date(year, 4, 1)
    for start, name in ERAS:
        if first_day >= start:
            return name, year - start.year + 1
    raise ValueError(f"no era known for {year}")


def fiscal_year_label(fiscal_year: int, *, with_western: bool = True) -> str:
    """平成29年度 (2017年度)."""
    era, number = era_year(fiscal_year)
    label = f"{era}{'元' if number == 1 else number}年度"
    return f"{label} ({fiscal_year}年度)" if with_western else label


def date_ja(day: date | datetime | None) -> str:
    """2018年2月28日(水)."""
    if day is None:
        return ""
    if isinstance(day, datetime):
        day = to_tokyo(day).date()
    return f"{day.year}年{day.month}月{day.day}日({WEEKDAYS_JA[day.weekday()]})"


def datetime_ja(moment: datetime | None) -> str:
    """2018年2月28日(水) 14:00, in Asia/Tokyo."""
    if moment is None:
        return ""
    local = to_tokyo(moment)
    return f"{date_ja(local.date())} {local:%H:%M}"


def fiscal_year_short(fiscal_year: int) -> str:
    """29年度, as the progress status list's row headers write it."""
    _era, number = era_year(fiscal_year)
    return f"{'元' if number == 1 else number}年度"
