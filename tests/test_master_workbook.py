"""The committed master workbook is the contract, laid out for advisers, and up to date."""

import zipfile
from pathlib import Path

from openpyxl import load_workbook

from ccc_xl import contract as c
from ccc_xl.workbook.build import create_workbook
from ccc_xl.workbook.layout import COMPUTED_HEADER, INPUT_HEADER

MASTER = Path(__file__).resolve().parent.parent / "workbooks" / "100-chances-vienne.xlsx"


def test_master_workbook_is_rebuilt_from_the_current_contract(tmp_path):
    fresh = create_workbook(tmp_path / "fresh.xlsx")
    with zipfile.ZipFile(MASTER) as committed, zipfile.ZipFile(fresh) as rebuilt:
        assert committed.namelist() == rebuilt.namelist(), "lancez scripts/build_workbook.py"
        stale = [n for n in committed.namelist() if n != "docProps/core.xml" and committed.read(n) != rebuilt.read(n)]
    assert not stale, f"classeur maître périmé ({stale}) : lancez scripts/build_workbook.py"


def test_contract_keys_headers_and_lists_are_consistent():
    for table in c.TABLES.values():
        assert len(set(table.keys)) == len(table.keys), table.name
        assert len({h.casefold() for h in table.headers}) == len(table.headers), table.name
        assert table.sheet in c.SHEET_ORDER
        for column in table.columns:
            if column.choices:
                assert column.choices in c.LISTS
    assert len(c.ROME_DOMAINS) == 14
    assert len(set(c.SHEET_ORDER)) == len(c.SHEET_ORDER)


def test_every_table_is_a_real_excel_table_with_the_contract_headers():
    wb = load_workbook(MASTER)
    assert wb.sheetnames == list(c.SHEET_ORDER)
    for table in (*c.INPUT_TABLES, c.JOURNAL):
        ws = wb[table.sheet]
        assert table.name in ws.tables, table.name
        assert [cell.value for cell in ws[1]][: len(table.columns)] == table.headers
        assert ws.freeze_panes == "B2"


def test_drop_downs_dates_and_computed_columns_are_visible_to_advisers():
    wb = load_workbook(MASTER)
    ws = wb["Candidats"]
    validated = {str(dv.sqref).split(":")[0].rstrip("0123456789"): dv.formula1 for dv in ws.data_validations.dataValidation}
    for index, column in enumerate(c.CANDIDATES.columns, start=1):
        letter = ws.cell(1, index).column_letter
        header = ws.cell(1, index)
        expected_fill = COMPUTED_HEADER if column.computed else INPUT_HEADER
        assert header.fill.fgColor.rgb.endswith(expected_fill.fgColor.rgb[-6:]), column.header
        if column.choices and not column.computed:
            assert validated[letter] == f"lst_{column.choices}"
        if column.kind is c.Kind.DATE:
            assert ws.cell(2, index).number_format == "dd/mm/yyyy"
    rules = [rule for cf in ws.conditional_formatting for rule in cf.rules]
    assert {r.formula[0].strip('"') for r in rules} == {"Éligible", "Non éligible", "À compléter"}
    assert wb["Listes"].sheet_state == "hidden"
    home = " ".join(str(cell.value) for cell in wb["Accueil"]["A"] if cell.value)
    assert "Éligibilité" in home and "Rotations" in home and "financeurs" in home
    assert c.MARKER_NAME in wb.defined_names


def stored_formulas(path: Path) -> list[tuple[str, str, str]]:
    """(part, element, text) of every validation and conditional-format formula in the package,
    read from the worksheet XML itself (not through openpyxl)."""
    import xml.etree.ElementTree as ET

    found = []
    with zipfile.ZipFile(path) as package:
        for part in package.namelist():
            if part.startswith("xl/worksheets/") and part.endswith(".xml"):
                for element in ET.fromstring(package.read(part)).iter():
                    name = element.tag.rpartition("}")[2]
                    if name in ("formula", "formula1", "formula2", "f") and element.text is not None:
                        found.append((part, name, element.text))
    return found


def test_no_validation_or_rule_formula_starts_with_an_equals_sign(tmp_path, demo_workbook):
    """Excel stores `<formula1>lst_X</formula1>`, never `=lst_X`; every workbook ccc-xl writes does too:
    the master, a new workbook, the demo after every step (generated sheets included) and its
    funders' export."""
    from ccc_xl.commands import DEMO_FUNDERS_EXPORT

    workbooks = [MASTER, create_workbook(tmp_path / "nouveau.xlsx"), demo_workbook,
                 demo_workbook.parent / DEMO_FUNDERS_EXPORT]
    for path in workbooks:
        formulas = stored_formulas(path)
        if path != workbooks[-1]:  # the funders' export has no drop-down
            assert any(name == "formula1" and text.startswith("lst_") for _, name, text in formulas), path
        assert not [f for f in formulas if f[2].lstrip().startswith("=")], path


def test_accueil_names_for_each_step_a_button_that_is_on_the_ribbon():
    import re
    from xml.etree import ElementTree

    from ccc_xl.contract import HOME_TEXT

    ribbon = ElementTree.parse(MASTER.parent.parent / "addin" / "customUI.xml").getroot()
    labels = {element.get("label") for element in ribbon.iter() if element.tag.endswith("button")}
    steps = [text for style, text in HOME_TEXT if style == "p" and text[:1].isdigit()]
    assert [int(s.split(".")[0]) for s in steps] == list(range(1, 8))
    named = set()
    for text in HOME_TEXT:
        named |= set(re.findall(r"[Bb]outon « ([^»]+) »", text[1]))
    assert named and named <= labels, named - labels
    for step in steps:
        assert "bouton" in step.lower()  # a button to press, or « Pas de bouton »
