"""The rows of the progress status list, worded as the council's form words them."""

from ..core.time import fiscal_year_short
from .models import ProgressReport

ITEM_ROW = "（１）項目・内容"


def report_row_labels(fiscal_year: int) -> list[tuple[str, str]]:
    """(attribute, row header) for columns (2)–(5); the header names the fiscal year (29年度)."""
    return [
        ("progress", f"（２）{fiscal_year_short(fiscal_year)}の進捗状況について、実績や検討している内容"),
        ("challenges", "（３）取組みを進める中で見えてきた課題"),
        ("proposals", "（４）課題に対する考えうる解決策または関係機関と話し合いたいこと"),
        ("next_year_plan", "（５）来年度以降の取組み"),
    ]


def report_rows(report: ProgressReport) -> list[tuple[str, str]]:
    """(row header, text) for one report."""
    return [(label, getattr(report, attr)) for attr, label in report_row_labels(report.fiscal_year)]
