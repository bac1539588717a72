"""The workbook gateway: the only code that reads or writes a workbook (file or live Excel)."""
