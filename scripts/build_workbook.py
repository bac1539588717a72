"""Rebuild the blank master workbook workbooks/100-chances-vienne.xlsx from ccc_xl/contract.py.

Run after any change to the contract; tests/test_master_workbook.py fails while it is out of date.
"""

from pathlib import Path

from ccc_xl.workbook.build import create_workbook

MASTER = Path(__file__).resolve().parent.parent / "workbooks" / "100-chances-vienne.xlsx"

if __name__ == "__main__":
    create_workbook(MASTER, overwrite=True)
    print(f"Classeur maître reconstruit : {MASTER}")
