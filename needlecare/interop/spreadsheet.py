"""CSV that a spreadsheet opens without running anything: every CSV Needlecare writes goes through here.

OWASP's CSV-injection guidance: a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return
is read as a formula by Excel, LibreOffice and Google Sheets, so such a cell is written with a single
quote before it (`'=HYPERLINK(...)`), which the spreadsheet shows as text. OWASP applies this to every
cell, negative numbers and `+44` phone numbers included, and so do we: a spreadsheet shows `'-3` as the
text -3. A cell that itself starts with a quote gets one more, so `unquoted()` (the importer) gives back
exactly what was written.
"""

import csv
from collections.abc import Iterable, Mapping
from typing import IO, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def safe_cell(value: Any) -> Any:
    """A cell as a spreadsheet must read it: text, never a formula. `safe_cell("=1+1") == "'=1+1"`."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if text.startswith(FORMULA_STARTS) or text.startswith(QUOTE):
        return QUOTE + text
    return text


def unquoted(cell: str) -> str:
    """A cell written by `safe_cell` as it was before (the importer reads Needlecare's own exports)."""
    if cell.startswith(QUOTE) and cell[1:].startswith((*FORMULA_STARTS, QUOTE)):
        return cell[1:]
    return cell


class SafeDictWriter:
    """`csv.DictWriter` whose every cell passes through `safe_cell`."""

    def __init__(self, out: IO[str], fieldnames: Iterable[str]) -> None:
        self.fieldnames = list(fieldnames)
        self._writer = csv.DictWriter(out, fieldnames=self.fieldnames)

    def writeheader(self) -> None:
        self._writer.writerow({f: safe_cell(f) for f in self.fieldnames})

    def writerow(self, row: Mapping[str, Any]) -> None:
        self._writer.writerow({k: safe_cell(v) for k, v in row.items()})
