"""An openpyxl workbook as .xlsx bytes, written in memory.

A new workbook (`ccc-xl nouveau`), an export, and the scratch workbook a generated sheet is built in
are all turned into a package here. openpyxl's ``wb.save`` writes each worksheet to a temporary file,
reads it back and deletes it: deleting took 3 ms per sheet on an ext4 disk mounted with `discard`
(70 ms of the ~250 ms a new 23-sheet workbook takes), and on Windows each temporary file is also
scanned by the antivirus. Here each worksheet's XML is built in a buffer; the package has the parts
``wb.save`` writes, byte for byte and in the same order (tests/test_package.py).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.writer.excel import ExcelWriter


def workbook_bytes(wb) -> bytes:
    """The whole package of ``wb``, as `openpyxl.writer.excel.save_workbook` writes it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        wb.properties.modified = dt.datetime.now(tz=dt.timezone.utc).replace(tzinfo=None)
        _InMemoryWriter(wb, archive).save()
    return buffer.getvalue()


class _InMemoryWriter(ExcelWriter):
    """openpyxl's package writer whose `write_worksheet` writes to a buffer, not a temporary file."""

    def write_worksheet(self, ws):
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        out = io.BytesIO()
        writer = WorksheetWriter(ws, out=out)
        writer.write()
        ws._rels = writer._rels
        self._archive.writestr(ws.path[1:], out.getvalue())
        self.manifest.append(ws)
