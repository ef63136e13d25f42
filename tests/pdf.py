"""Reading PDFs back in tests, with poppler-utils' pdfinfo and pdftotext."""

import re
import subprocess
from pathlib import Path


def pdf_pages(path: Path) -> list[str]:
    """The text of each page."""
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    count = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    return [
        subprocess.run(
            ["pdftotext", "-f", str(page), "-l", str(page), str(path), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for page in range(1, count + 1)
    ]
