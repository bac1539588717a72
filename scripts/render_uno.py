"""Export PDFs through a running LibreOffice, each workbook loaded once for all its sheets.

    python3 render_uno.py PIPE JOB.json

Run by a Python that has LibreOffice's ``uno`` module (python3-uno for /usr/bin/python3 on Debian,
LibreOffice's own python elsewhere), never imported by ccc-xl: ``scripts/render.py`` starts
LibreOffice (its own profile, French locale) listening on the pipe ``PIPE``, then runs this script.

JOB.json is a list of ``{"source": file URL, "exports": [{"sheet": name or null, "pdf": file URL}]}``.
A workbook is loaded once; for each sheet asked, that sheet is made the only visible one and the
active one, then the workbook is exported — what a spreadsheet program prints of that sheet alone,
as a copy with every other sheet hidden would print, without loading the workbook again. A
document (``sheet`` null) is exported as it is. Loading and export use the properties of
``soffice --convert-to pdf`` (below). LibreOffice is closed at the end, whatever happened.
"""

import json
import sys
import time

import uno
from com.sun.star.beans import PropertyValue

# What soffice --convert-to gives the documents it loads (desktop/source/app/dispatchwatcher.cxx),
# but ReadOnly: a read-only workbook silently keeps its sheets' visibility (every export would print
# every sheet). Nothing is saved: each workbook is closed without storing anything but PDFs.
LOAD = {"Referer": "private:OpenEvent", "OpenNewView": True, "Hidden": True, "Silent": True}
PDF_FILTERS = {"com.sun.star.sheet.SpreadsheetDocument": "calc_pdf_Export",
               "com.sun.star.text.TextDocument": "writer_pdf_Export"}


def properties(values):
    result = []
    for name, value in values.items():
        item = PropertyValue()
        item.Name, item.Value = name, value
        result.append(item)
    return tuple(result)


def connect(pipe, seconds=120):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + seconds
    while True:
        try:
            context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            return context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def pdf_filter(document):
    return next(name for service, name in PDF_FILTERS.items() if document.supportsService(service))


def show_only(document, name):
    """Make ``name`` the only visible sheet and the active one (visible first: a workbook keeps one)."""
    sheets = document.Sheets
    shown = sheets.getByName(name)
    shown.IsVisible = True
    document.CurrentController.setActiveSheet(shown)
    for index in range(sheets.Count):
        sheet = sheets.getByIndex(index)
        if sheet.Name != name and sheet.IsVisible:
            sheet.IsVisible = False


def export(desktop, job):
    document = desktop.loadComponentFromURL(job["source"], "_blank", 0, properties(LOAD))
    if document is None:
        raise RuntimeError(f"LibreOffice could not open {job['source']}")
    try:
        store = properties({"Overwrite": True, "FilterName": pdf_filter(document)})
        for item in job["exports"]:
            if item["sheet"] is not None:
                show_only(document, item["sheet"])
            document.storeToURL(item["pdf"], store)
    finally:
        document.close(True)


def main():
    pipe, job_file = sys.argv[1:3]
    with open(job_file, encoding="utf-8") as handle:
        jobs = json.load(handle)
    desktop = connect(pipe)
    try:
        for job in jobs:
            export(desktop, job)
    finally:
        try:
            desktop.terminate()
        except Exception:  # the bridge closes as LibreOffice quits
            pass


if __name__ == "__main__":
    main()
