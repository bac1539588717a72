"""Purged identities in every part of an .xlsx package: find them (the self-check) and remove them.

The gateway rewrites the rows of contract tables. A workbook holds a person's identity in many more
places, which a purge must reach too: the adviser's own sheets and columns, cell notes and threaded
comments, defined names (« Contact_Texier »), pivot caches (a snapshot of the source rows, records
included), chart caches, drawings' text boxes, headers and footers, custom XML, document properties.
This module works on the package bytes, part by part, with lxml (which keeps every namespace prefix
as written), and rewrites only the parts it changes: every other part is copied as it was.

What it does, for each kind of place:

- any text (cell, shared string, note, comment, drawing, chart label, header/footer, custom XML,
  properties, relationship target): a name or an écrou becomes the person's ID, a birth date
  « (date effacée) »; in defined names and formulas the ID is written with « _ » instead of
  « - » (« Contact_Texier » → « Contact_C2019_03 », and so do the formulas that use the name);
- a number cell with a date format holding a purged birth date, or a plain number cell holding a
  purged écrou: emptied (value and formula);
- a note or threaded comment on a row of a purged session: its whole text is replaced by
  « Note effacée lors de la purge. » (the row belongs to a person whose retention period is over,
  whatever the note says);
- pivot caches: records holding a purged identity are dropped, shared items holding one become
  blank items (their positions, which the pivot table refers to, are kept), and the cache is marked
  to refresh when the workbook is opened, so Excel rebuilds it from the purged source;
- a sheet's name holding an identity is only reported: renaming a sheet would break the formulas
  and links of other workbooks that point to it;
- cells of the contract's columns that name an organisation, a place or a company
  (`contract.Column.organisation`) are never rewritten: a purged surname there, or inside such a
  name quoted elsewhere (`Identities.shielded`), is an organisation's and is listed apart (``kept``);
- a generated sheet's cell showing only a purged person's first name (`Identities.cells`: the
  Planning of a purged session) becomes the ID.

`scan` lists every remaining occurrence with where it is (the purge's self-check); `scrub` returns the
new package and what it changed. Both describe places in French, with identities replaced by IDs,
so their text can be shown and logged without bringing a name back.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

from lxml import etree
from openpyxl.utils.cell import column_index_from_string, range_boundaries
from openpyxl.utils.datetime import from_excel

from .. import contract as c
from ..identities import BIRTH_DATE, ECROU, FIRST_NAME, LAST_NAME, Hit, Identities, safe_name
from ..report import some_of
from ..wording import agreed, count
from .package import part_rels_name, resolve_target

M = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL = "http://schemas.openxmlformats.org/package/2006/relationships"
C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
NOTE_ERASED = "Note effacée lors de la purge."
BUILTIN_DATE_FORMATS = {*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)}
PLAIN_NUMBER_FORMATS = {0, 1, 49}  # General, "0", "@"
# Values that are structure, not content: cell references, plain numbers (indexes, sizes, counts),
# row spans, namespaces, booleans. Numbers that are content (a cell's value, a pivot item) are
# looked at where they are content.
_STRUCTURAL = re.compile(r"^\$?[A-Z]{1,3}\$?\d+(:\$?[A-Z]{1,3}\$?\d+)?$|^-?\d+(\.\d+)?(E[+-]?\d+)?$|^\d+:\d+$"
                         r"|^https?://|^urn:|^(true|false)$", re.IGNORECASE)
_URL_SAFE = "/:#?&=%~!$'()*+,;@"
_XML_PARTS = re.compile(r"\.(xml|rels|vml)$", re.IGNORECASE)
# Elements whose text is one piece even when split into formatted runs: a shared or inline string,
# a note's or comment's text, a paragraph of a drawing or chart.
_RUN_CONTAINERS = {f"{{{M}}}si", f"{{{M}}}is", f"{{{M}}}text", f"{{{A}}}p"}
_TEXT_NODES = (f"{{{M}}}t", f"{{{A}}}t")
_CELL, _INLINE, _VALUE, _NUM_CACHE = f"{{{M}}}c", f"{{{M}}}is", f"{{{M}}}v", f"{{{C}}}numCache"
_CELL_REF, _DIGITS, _NOT_DIGITS = re.compile(r"([A-Z]+)(\d+)"), re.compile(r"\d"), re.compile(r"\D")


def _local(element) -> str:
    return etree.QName(element).localname


@dataclass(frozen=True)
class Residue:
    """One remaining occurrence of a purged identity: where, and what (whose, by ID)."""

    place: str
    what: str
    sheet: str | None = None  # for a worksheet cell: its sheet and row
    row: int | None = None
    column: str | None = None  # the cell's table header, else its column letter
    before: str | None = None  # the cell's text before and after a scrub: shown in the preview only,
    after: str | None = None  # never logged (it holds the name)

    @classmethod
    def of(cls, place: str, hit: Hit, cell: tuple | None = None, before: str | None = None,
           after: str | None = None) -> "Residue":
        sheet, row, column = (*(cell or ()), None, None, None)[:3]
        return cls(place, f"{hit.kind} de {hit.owner}", sheet, row, column, before, after)

    def __str__(self) -> str:
        return f"{self.place} : {self.what}"


_DETAIL = re.compile(r", (?:(cellule|note de la cellule|commentaire de la cellule) [A-Z]+\d+|(enregistrement) \d+|(champ) « .* »)$")
_NOUNS = {"cellule": ("cellule", "cellules"), "note de la cellule": ("note", "notes"),
          "commentaire de la cellule": ("commentaire", "commentaires"),
          "enregistrement": ("enregistrement", "enregistrements"), "champ": ("champ", "champs")}


def grouped(places) -> list[str]:
    """Places summed up for people: « feuille « Mes notes » : 3 cellules » rather than 3 lines."""
    groups: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for place in places:
        match = _DETAIL.search(place)
        head = place[:match.start()] if match else place
        noun = next((g for g in match.groups() if g), "") if match else ""
        groups[head][noun].add(place)
    lines = []
    for head, nouns in groups.items():
        counts = [count(len(found), *_NOUNS[noun]) for noun, found in nouns.items() if noun]
        lines.append(f"{head} : {', '.join(counts)}" if counts else head)
    return lines


@dataclass
class Changes:
    """What `scrub` did (places, identities replaced by IDs), for the purge's preview and summary."""

    found: list[Residue] = field(default_factory=list)  # each identity replaced or value erased
    refreshed: list[tuple[str, int]] = field(default_factory=list)  # pivot caches marked to refresh on open, records dropped
    renamed: int = 0  # defined names whose name held an identity
    kept: list[Residue] = field(default_factory=list)  # organisations' names holding a purged surname, kept

    def lines(self, rewritten: dict[str, set[int]] | None = None, done: bool = True, values: bool = True) -> list[str]:
        """French lines, of what was done (``done``) or of what will be (a preview); cells of the
        ``rewritten`` rows (sheet -> rows), which the tables' own purge handles, are left out.

        The preview names each cell it will change with its text before and after (for the adviser's
        eyes: the preview is never logged; not with ``values=False``); what was done is told by place
        only (it is logged)."""
        rewritten = rewritten or {}
        outside = [r for r in self.found if r.sheet is None or r.row not in rewritten.get(r.sheet, ())]
        generated = {sheet.name for sheet in c.GENERATED_SHEETS}  # ccc-xl's own: counted, not listed
        cells = {} if done or not values else {(r.sheet, r.row, r.column): r for r in outside
                                 if r.before is not None and r.sheet not in generated}
        lines = [f"À modifier hors des lignes purgées : « {sheet} », ligne {row}, colonne « {column} » : "
                 f"« {r.before} » → « {r.after} »." for (sheet, row, column), r in cells.items()]
        places = [r.place for r in outside if (r.sheet, r.row, r.column) not in cells]
        lines += [f"{'Nettoyé' if done else 'À nettoyer'} hors des lignes purgées : {line}." for line in grouped(places)]
        for pivot, dropped in self.refreshed:
            records = (count(dropped, "enregistrement", "enregistrements") + " des détenus purgés "
                       + (agreed(dropped, "retiré", "retirés") if done else agreed(dropped, "sera retiré", "seront retirés"))
                       + ", ") if dropped else ""
            erased = "leurs valeurs effacées" if dropped else ("valeurs des détenus purgés " + ("effacées" if done else "à effacer"))
            lines.append(f"Cache du {pivot} : {records}{erased} ; il {'est' if done else 'sera'} actualisé à l'ouverture du classeur.")
        if self.renamed:
            verb = agreed(self.renamed, "renommé", "renommés") if done else agreed(self.renamed, "sera renommé", "seront renommés")
            lines.append(f"{count(self.renamed, 'nom défini', 'noms définis')} {verb} avec l'ID du participant (et les "
                         "formules qui les utilisent).")
        return lines

    def __bool__(self) -> bool:
        return bool(self.found or self.refreshed or self.renamed)


def kept_lines(kept: list[Residue]) -> list[str]:
    """The honest word on organisations' names kept although a purged surname is one of their words."""
    if not kept:
        return []
    by_sheet: dict[str, list[str]] = defaultdict(list)
    for r in kept:
        where = f"{r.column} l. {r.row}" if r.sheet and r.row else r.place
        if where not in by_sheet[r.sheet or ""]:
            by_sheet[r.sheet or ""].append(where)
    places = " ; ".join(f"« {sheet} » : {some_of(found)}" if sheet else some_of(found) for sheet, found in by_sheet.items())
    n = sum(len(found) for found in by_sheet.values())
    return [f"Gardés tels quels : {count(n, 'nom', 'noms')} d'organisation, d'entreprise ou de lieu "
            f"{agreed(n, 'contient', 'contiennent')} un mot qui est aussi le nom de famille d'un détenu purgé ({places}). "
            "Ils désignent une organisation, pas la personne : ils ne sont pas modifiés et le contrôle ne les compte pas."]


class Package:
    """An .xlsx package as parts, with the workbook's map: which sheet each part belongs to."""

    def __init__(self, data: bytes):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            self.infos = archive.infolist()
            self.parts = {info.filename: archive.read(info) for info in self.infos}
        self.trees: dict[str, etree._Element] = {}
        self.changed: set[str] = set()
        self.workbook_part = self._office_document()
        self.sheets: dict[str, str] = {}  # part -> sheet name
        self.owner: dict[str, str] = {}  # any part reachable from a sheet -> its sheet name
        self.pivot_names: dict[str, str] = {}  # pivot cache definition part -> "tableau croisé « X »"
        self.date_styles: set[int] = set()
        self.plain_styles: set[int] = {0}
        # sheet -> column index -> [(first row, last row, header, organisation)] of the contract's tables
        self.columns: dict[str, dict[int, list[tuple[int, int, str, bool]]]] = defaultdict(lambda: defaultdict(list))
        self.shared_part: str | None = None
        if self.workbook_part:
            self._map()

    def column_at(self, sheet: str, column: int, row: int) -> tuple[str, bool] | None:
        """(header, names an organisation) of a cell inside one of the contract's tables, else None."""
        for first, last, header, organisation in self.columns.get(sheet, {}).get(column, ()):
            if first <= row <= last:
                return header, organisation
        return None

    def shared_texts(self) -> list[str]:
        """The shared strings' texts, runs joined, by index."""
        root = self.tree(self.shared_part) if self.shared_part else None
        if root is None:
            return []
        return ["".join(t.text or "" for t in item.iter(f"{{{M}}}t")) for item in root.iter(f"{{{M}}}si")]

    # --- reading -------------------------------------------------------------------------------

    def tree(self, part: str):
        """The part's parsed XML (None when it is not well-formed XML)."""
        if part not in self.trees:
            try:
                parser = etree.XMLParser(resolve_entities=False, huge_tree=True, remove_blank_text=False)
                self.trees[part] = etree.fromstring(self.parts[part], parser)
            except etree.XMLSyntaxError:
                self.trees[part] = None
        return self.trees[part]

    def rels(self, part: str) -> dict[str, str]:
        """Relationship id -> target part, for the package's own parts (external links left out)."""
        rels_part = part_rels_name(part)
        if rels_part not in self.parts or self.tree(rels_part) is None:
            return {}
        return {rel.get("Id"): resolve_target(part, rel.get("Target", ""))
                for rel in self.tree(rels_part).iter(f"{{{REL}}}Relationship") if rel.get("TargetMode") != "External"}

    def _office_document(self) -> str | None:
        root = self.tree("_rels/.rels") if "_rels/.rels" in self.parts else None
        for rel in root if root is not None else ():
            if rel.get("Type", "").endswith("/officeDocument"):
                return rel.get("Target", "").lstrip("/")
        return "xl/workbook.xml" if "xl/workbook.xml" in self.parts else None

    def _map(self) -> None:
        workbook = self.tree(self.workbook_part)
        if workbook is None:
            return
        targets = self.rels(self.workbook_part)
        for sheet in workbook.iter(f"{{{M}}}sheet"):
            part = targets.get(sheet.get(f"{{{R}}}id"))
            if part in self.parts:
                self.sheets[part] = sheet.get("name")
                self._own(part, sheet.get("name"), depth=3)
        caches = {cache.get("cacheId"): targets.get(cache.get(f"{{{R}}}id"))
                  for cache in workbook.iter(f"{{{M}}}pivotCache")}
        for part, sheet in list(self.owner.items()):
            if "pivotTable" in part and self.tree(part) is not None:
                root = self.tree(part)
                definition = caches.get(root.get("cacheId"))
                if definition:
                    self.pivot_names[definition] = f"tableau croisé « {root.get('name')} » (feuille « {sheet} »)"
        for definition in caches.values():
            if definition:
                self.pivot_names.setdefault(definition, f"tableau croisé ({definition})")
                for records in self.rels(definition).values():
                    self.pivot_names.setdefault(records, self.pivot_names[definition])
        styles = next((t for t in targets.values() if t.endswith("styles.xml")), None)
        if styles in self.parts:
            self._styles(styles)
        self.shared_part = next((t for t in targets.values() if t.endswith("sharedStrings.xml") and t in self.parts), None)
        self._tables()

    def _tables(self) -> None:
        """Where the contract's tables lie, and which of their columns name organisations."""
        known = {t.name: t for t in (*c.INPUT_TABLES, *c.ROTATION_TABLES, c.ALERTS, c.JOURNAL)}
        for part, sheet in self.owner.items():
            root = self.tree(part) if "/tables/" in part else None
            if root is None or _local(root) != "table":
                continue
            try:
                first_col, first_row, _, last_row = range_boundaries(root.get("ref", ""))
            except (TypeError, ValueError):
                continue
            table = known.get(root.get("name") or root.get("displayName"))
            headers = {col.header: col for col in table.columns} if table else {}
            for offset, column in enumerate(root.iter(f"{{{M}}}tableColumn")):
                header = column.get("name", "")
                col = headers.get(header)
                self.columns[sheet][first_col + offset].append(
                    (first_row + 1, last_row, header, bool(col is not None and col.organisation)))

    def _own(self, part: str, sheet: str, depth: int) -> None:
        for target in self.rels(part).values():
            if target in self.parts and target not in self.owner and target not in self.sheets:
                self.owner[target] = sheet
                if depth > 1:
                    self._own(target, sheet, depth - 1)

    def _styles(self, part: str) -> None:
        root = self.tree(part)
        if root is None:
            return
        custom = {int(f.get("numFmtId")): f.get("formatCode", "") for f in root.iter(f"{{{M}}}numFmt")}
        xfs = root.find(f"{{{M}}}cellXfs")
        for index, xf in enumerate(xfs if xfs is not None else ()):
            number_format = int(xf.get("numFmtId", "0"))
            if number_format in BUILTIN_DATE_FORMATS or (number_format in custom and is_date_format(custom[number_format])):
                self.date_styles.add(index)
            elif number_format in PLAIN_NUMBER_FORMATS:
                self.plain_styles.add(index)

    # --- writing -------------------------------------------------------------------------------

    def data(self) -> bytes:
        """The package with the changed parts re-serialised, every other part as it was read."""
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for info in self.infos:
                data = self.parts[info.filename]
                if info.filename in self.changed:
                    root = self.trees[info.filename]
                    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
                archive.writestr(info, data)
        return out.getvalue()


def is_date_format(code: str) -> bool:
    """Whether an Excel number format shows a date (d, m with y, or y outside quotes and brackets)."""
    bare = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", code).lower()
    return bool(re.search(r"[dy]", bare)) or ("m" in bare and "h" not in bare and "s" not in bare and bare.strip("m") == "")


# --- The walk: one visit of every value, used both to list and to remove -----------------------


class _Walk:
    def __init__(self, package: Package, identities: Identities, purged_rows: dict[str, set[int]], fix: bool):
        self.pkg, self.ids, self.fix = package, identities, fix
        self.purged_rows = purged_rows
        self.residues: list[Residue] = []
        self.changes = Changes()
        # shared string -> its cells: (place, (sheet, row, column), cell element, sheet part)
        self.shared_cells: dict[int, list[tuple[str, tuple, object, str]]] = defaultdict(list)
        self.protected_shared: set[int] = set()  # shared strings an organisation's cell shows too
        self.cell: tuple[str, int, str] | None = None  # the worksheet cell being visited: sheet, row, column
        self.kept: list[Residue] = []
        self._shared: list[str] | None = None
        self._clean: set[str] = set()  # texts holding no purged identity, not even a shielded one
        self._ownerless: set[str | None] = set()  # number cells' values that are nobody's écrou or birth date
        self._dirty_shared: set[int] | None = None  # indexes of shared strings holding an identity

    # Reporting and replacing ------------------------------------------------------------------

    def found(self, place: str, hits, part: str | None = None, before: str | None = None, after: str | None = None,
              cell: tuple | None = None) -> None:
        cell = cell or self.cell
        if self.fix:
            if part is not None:
                self.pkg.changed.add(part)
            self.changes.found += [Residue.of(self.safe(place), h, cell, before if cell else None, after if cell else None)
                                   for h in hits]
        else:
            self.residues += [Residue.of(self.safe(place), h, cell) for h in hits]

    def keep(self, place: str, hits, cell: tuple | None = None) -> None:
        """Surnames inside an organisation's name: kept, and listed apart."""
        if hits:
            self.kept += [Residue.of(self.safe(place), h, cell or self.cell) for h in hits]

    def sort(self, text: str) -> tuple[list, list]:
        """`Identities.sort`, remembering the texts it found nothing in (cells repeat their values)."""
        if text in self._clean:
            return [], []
        hits, shielded = self.ids.sort(text)
        if not hits and not shielded:
            self._clean.add(text)
        return hits, shielded

    def safe(self, text: str) -> str:
        """Text for people: identities replaced by IDs (a place may be a name holding one)."""
        return self.ids.replace(text)

    def text(self, place: str, part: str, value: str | None, formula: bool = False) -> str | None:
        """Look at one text value; with ``fix``, the value to write instead when it holds an identity
        (else None)."""
        if not value or _STRUCTURAL.match(value):
            return None
        hits, shielded = self.sort(value)
        self.keep(place, shielded)
        if not hits:
            return None
        new = self.ids.replace(value, (lambda h: safe_name(h.owner)) if formula else None)
        self.found(place, hits, part, value, new)
        return new if self.fix else None

    # Parts ----------------------------------------------------------------------------------------

    def run(self) -> None:
        pkg = self.pkg
        ordered = sorted(pkg.parts, key=lambda p: (p != pkg.workbook_part, p not in pkg.sheets, "sharedStrings" in p, p))
        for part in ordered:
            if not _XML_PARTS.search(part):
                continue
            root = pkg.tree(part)
            if root is None:
                self.raw(part)
            elif part == pkg.workbook_part:
                self.workbook(part, root)
            elif part in pkg.sheets:
                self.sheet(part, root, pkg.sheets[part])
            elif _local(root) == "sst":
                self.shared_strings(part, root)
            elif _local(root) == "comments":
                self.comments(part, root)
            elif _local(root) == "ThreadedComments":
                self.threaded(part, root)
            elif _local(root) == "pivotCacheDefinition":
                self.pivot_definition(part, root)
            elif _local(root) == "pivotCacheRecords":
                pass  # visited with its definition
            else:
                self.generic(part, root, self.place_of(part))

    def place_of(self, part: str) -> str:
        """Where a part is, as the adviser sees the workbook (never a file name inside the package)."""
        pkg = self.pkg
        if part in pkg.pivot_names:
            return f"{pkg.pivot_names[part]}"
        folder, name = posixpath.split(part)
        if posixpath.basename(folder) == "_rels" and name.endswith(".rels"):
            source = posixpath.join(posixpath.dirname(folder), name[:-len(".rels")])
            if source in pkg.sheets:
                return f"feuille « {pkg.sheets[source]} », liens (adresses des liens hypertexte et des fichiers liés)"
            if source == pkg.workbook_part or not source:
                return "liens du classeur vers ses propres éléments"
            return f"{self.place_of(source)}, liens"
        if part.startswith("customXml/"):
            return "données XML personnalisées (ajoutées par un autre logiciel)"
        if part.startswith("docProps/"):
            return "propriétés du document (titre, auteur, mots-clés…)"
        sheet = pkg.owner.get(part)
        kind = ("graphique" if "/charts/" in part else "dessin" if "/drawings/" in part
                else "tableau croisé" if "pivotTable" in part else "tableau" if "/tables/" in part else None)
        number = re.sub(r"\D", "", name)
        if sheet and kind:
            return f"feuille « {sheet} », {kind}{' n° ' + number if number else ''}"
        if sheet:
            return f"feuille « {sheet} », élément lié"
        return f"{kind or 'élément du classeur'}{' n° ' + number if number else ''}"

    def raw(self, part: str) -> None:
        """A part that is not well-formed XML (some VML): looked at as text, reported, never edited."""
        text = self.pkg.parts[part].decode("utf-8", "replace")
        text = text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'")
        hits = self.ids.find(text)
        if hits:
            self.residues += [Residue.of(self.safe(self.place_of(part)), h) for h in hits]

    def generic(self, part: str, root, place: str, formula: bool = False) -> None:
        """Every text and attribute of a part; runs of one paragraph or string read as one text."""
        for element in root.iter():
            if not isinstance(element.tag, str):
                continue
            if element.tag in _RUN_CONTAINERS:
                self.runs(place, part, element)
                continue
            if _in_container(element):
                continue
            if element.tag == _NUM_CACHE:
                self.chart_numbers(place, part, element)
            self.element(place, part, element, formula)

    def element(self, place: str, part: str, element, formula: bool = False) -> None:
        if (new := self.text(place, part, element.text, formula)) is not None:
            element.text = new
        for name, value in element.attrib.items():
            if name == "Target" and _local(element) == "Relationship":  # a link's address: %20 for spaces
                if (new := self.text(place, part, unquote(value))) is not None:
                    element.set(name, quote(new, safe=_URL_SAFE))
            elif (new := self.text(place, part, value, formula)) is not None:
                element.set(name, new)

    def runs(self, place: str, part: str, container) -> None:
        """A string made of formatted runs: a name split over two runs is still found."""
        only = container[0] if len(container) == 1 else None
        if only is not None and only.tag in _TEXT_NODES and not len(only):  # one plain run, as most are
            nodes = [only]
            whole = only.text or ""
        else:
            nodes = list(container.iter(*_TEXT_NODES)) or [container]
            whole = "".join(n.text or "" for n in nodes)
        hits, shielded = self.sort(whole)
        self.keep(place, shielded)
        if not hits:
            return
        new = self.ids.replace(whole)
        self.found(place, hits, part, whole, new)
        if not self.fix:
            return
        self.set_runs(nodes, new)

    def chart_numbers(self, place: str, part: str, cache) -> None:
        """A chart's cached numbers shown as dates: a purged birth date is dropped from the cache
        (Excel reads the series again from the sheet)."""
        code = cache.find(f"{{{C}}}formatCode")
        if code is None or not is_date_format(code.text or ""):
            return
        for point in cache.findall(f"{{{C}}}pt"):
            value = point.find(f"{{{C}}}v")
            owner = self.ids.serial_owner(value.text) if value is not None else None
            if owner:
                self.found(place, [Hit(0, 0, owner, BIRTH_DATE)], part)
                if self.fix:
                    cache.remove(point)

    @staticmethod
    def set_runs(nodes, text: str) -> None:
        nodes[0].text = text
        for node in nodes[1:]:
            node.text = ""

    # The workbook part ---------------------------------------------------------------------

    def workbook(self, part: str, root) -> None:
        for sheet in root.iter(f"{{{M}}}sheet"):
            hits = self.ids.find(sheet.get("name", ""))
            if hits:  # reported even when fixing: renaming a sheet breaks what points to it
                self.residues += [Residue.of(f"nom de la feuille « {self.safe(sheet.get('name'))} » (renommez la feuille)", h)
                                  for h in hits]
        for name in root.iter(f"{{{M}}}definedName"):
            place = f"nom défini « {self.safe(name.get('name', ''))} »"
            if self.ids.find(name.get("name", "")) and self.fix:
                self.changes.renamed += 1
            if (new := self.text(place, part, name.get("name"), formula=True)) is not None:
                name.set("name", new)
            if (new := self.text(place, part, name.text, formula=True)) is not None:
                name.text = new

    # Worksheets ------------------------------------------------------------------------------

    def sheet(self, part: str, root, sheet: str) -> None:
        pkg = self.pkg
        planning = sheet in self.ids.cells
        for cell in root.iter(_CELL):
            if not len(cell) or (not planning and self.quiet(cell)):  # a formatted blank, or nothing to find
                continue
            ref = cell.get("r", "")
            place = f"feuille « {sheet} », cellule {ref}"
            plain = _CELL_REF.fullmatch(ref)
            letters, row = (plain[1], int(plain[2])) if plain else (_DIGITS.sub("", ref), int(_NOT_DIGITS.sub("", ref) or 0))
            column = pkg.column_at(sheet, column_index_from_string(letters), row) if letters else None
            self.cell = (sheet, row, column[0] if column else letters)
            kind, style = cell.get("t", "n"), int(cell.get("s", "0"))
            value = cell.find(f"{{{M}}}v")
            formula = cell.find(f"{{{M}}}f")
            if planning and self.planning_cell(part, cell, place, sheet, kind, value):
                continue
            if column and column[1]:
                self.organisation_cell(place, cell, kind, value)
                continue
            if formula is not None and (new := self.text(place, part, formula.text, formula=True)) is not None:
                formula.text = new
            if kind == "s" and value is not None and (value.text or "").isdigit():
                self.shared_cells[int(value.text)].append((place, self.cell, cell, part))
            elif kind == "inlineStr":
                inline = cell.find(f"{{{M}}}is")
                if inline is not None:
                    self.runs(place, part, inline)
            elif kind == "n" and value is not None:
                owner = (self.ids.serial_owner(value.text) if style in pkg.date_styles
                         else self.ids.number_owner(value.text) if style in pkg.plain_styles else None)
                if owner:
                    what = BIRTH_DATE if style in pkg.date_styles else ECROU
                    shown = (from_excel(float(value.text)).strftime("%d/%m/%Y") if what == BIRTH_DATE
                             else str(int(float(value.text))))
                    self.found(place, [Hit(0, 0, owner, what)], part, shown, "(vide)")
                    if self.fix:
                        for child in (value, formula):
                            if child is not None:
                                cell.remove(child)
            elif value is not None and (new := self.text(place, part, value.text)) is not None:
                value.text = new
        self.cell = None
        elements = (e for child in root if child.tag != f"{{{M}}}sheetData" for e in child.iter())
        for element in elements:
            if not isinstance(element.tag, str):
                continue
            where = "en-tête ou pied de page" if _local(element) in ("oddHeader", "oddFooter", "evenHeader",
                                                                        "evenFooter", "firstHeader", "firstFooter") \
                else "lien hypertexte" if _local(element) == "hyperlink" else "mise en page"
            self.element(f"feuille « {sheet} », {where}", part, element)

    def quiet(self, cell) -> bool:
        """Whether a cell holds nothing the walk would act on or report: its only child is a plain
        text holding no purged identity (not even a shielded surname), the index of a shared string
        holding none, or a number that is nobody's écrou nor birth date whatever its format. Most
        cells are so, and passing them over spares placing each one (sheet, row, table column)."""
        if len(cell) != 1 or not cell.get("s", "0").isdecimal():  # an unreadable style: looked at whole
            return False
        child, kind = cell[0], cell.get("t", "n")
        if kind == "inlineStr":
            run = child[0] if child.tag == _INLINE and len(child) == 1 else None
            return run is not None and run.tag == _TEXT_NODES[0] and not len(run) and self.clean(run.text or "")
        if child.tag != _VALUE:
            return False
        if kind == "n":
            return self.nobodys(child.text)
        return kind == "s" and (child.text or "").isdecimal() and int(child.text) not in self.dirty_shared()

    def clean(self, text: str) -> bool:
        return not any(self.sort(text))

    def nobodys(self, number: str | None) -> bool:
        """Whether a number cell's value is no purged person's écrou nor birth date."""
        if number not in self._ownerless:
            if self.ids.serial_owner(number) or self.ids.number_owner(number):
                return False
            self._ownerless.add(number)
        return True

    def dirty_shared(self) -> set[int]:
        """Indexes of the shared strings holding a purged identity (shielded or not) in any string
        table of the package: the cells showing them are the only ones `shared_strings` needs."""
        if self._dirty_shared is None:
            pkg = self.pkg
            self._dirty_shared = {
                index for part in pkg.parts
                if _XML_PARTS.search(part) and part != pkg.workbook_part and part not in pkg.sheets
                and pkg.tree(part) is not None and _local(pkg.tree(part)) == "sst"
                for index, item in enumerate(pkg.tree(part).iter(f"{{{M}}}si")) if not self.clean(_string(item)[1])}
        return self._dirty_shared

    def cell_text(self, cell, kind: str, value) -> str | None:
        """A worksheet cell's text (shared, inline or formula result), None for a number."""
        if kind == "s" and value is not None and (value.text or "").isdigit():
            if self._shared is None:
                self._shared = self.pkg.shared_texts()
            index = int(value.text)
            return self._shared[index] if index < len(self._shared) else None
        if kind == "inlineStr":
            inline = cell.find(f"{{{M}}}is")
            return "".join(t.text or "" for t in inline.iter(f"{{{M}}}t")) if inline is not None else None
        return value.text if kind == "str" and value is not None else None

    def planning_cell(self, part: str, cell, place: str, sheet: str, kind: str, value) -> bool:
        """A generated sheet's cell showing only a purged person's first name becomes the ID."""
        if sheet not in self.ids.cells:
            return False
        text = self.cell_text(cell, kind, value)
        owner = self.ids.cell_owner(sheet, text) if text else None
        if owner is None:
            return False
        self.found(place, [Hit(0, 0, owner, FIRST_NAME)], part, text, owner)
        if self.fix:
            _inline(cell, owner)
        return True

    def organisation_cell(self, place: str, cell, kind: str, value) -> None:
        """A cell naming an organisation, a place or a company: never rewritten. A purged surname
        in it is the organisation's (kept); a full name, an écrou or a birth date is left for the
        check to report, the adviser judging."""
        text = self.cell_text(cell, kind, value)
        if kind == "s" and value is not None and (value.text or "").isdigit():
            self.protected_shared.add(int(value.text))
        if not text:
            return
        hits = [hit for found in self.sort(text) for hit in found]
        self.keep(place, [h for h in hits if h.kind == LAST_NAME])
        if not self.fix:
            self.residues += [Residue.of(self.safe(place), h, self.cell) for h in hits if h.kind != LAST_NAME]

    def shared_strings(self, part: str, root) -> None:
        for index, item in enumerate(root.iter(f"{{{M}}}si")):
            nodes, whole = _string(item)
            hits, shielded = self.sort(whole)
            users = self.shared_cells.get(index, [])
            for place, cell, _, _ in users:
                self.keep(place, shielded, cell)
            if not hits:
                continue
            new = self.ids.replace(whole)
            places = users or [(f"chaîne partagée n° {index} (inutilisée)", None, None, None)]
            if self.fix:
                for place, cell, _, _ in places:
                    self.changes.found += [Residue.of(self.safe(place), h, cell, whole, new) for h in hits]
                if index in self.protected_shared:
                    for _, _, element, sheet_part in users:  # an organisation's cell shows it too: these cells alone change
                        _inline(element, new)
                        self.pkg.changed.add(sheet_part)
                else:
                    self.pkg.changed.add(part)
                    self.set_runs(nodes, new)
            else:
                for place, cell, _, _ in places:
                    self.residues += [Residue.of(self.safe(place), h, cell) for h in hits]

    # Notes and comments ----------------------------------------------------------------------

    def _note(self, part: str, note, text_element, label: str) -> None:
        sheet = self.pkg.owner.get(part, "?")
        ref = note.get("ref", "")
        place = f"feuille « {sheet} », {label} de la cellule {ref}"
        row = int(re.sub(r"\D", "", ref) or 0)
        if self.fix and row in self.purged_rows.get(sheet, ()) and text_element is not None:
            nodes = [t for t in text_element.iter() if isinstance(t.tag, str) and _local(t) == "t"] or [text_element]
            if "".join(n.text or "" for n in nodes) != NOTE_ERASED:
                self.set_runs(nodes, NOTE_ERASED)
                self.pkg.changed.add(part)
                self.changes.found.append(Residue(self.safe(place), "note d'une ligne purgée"))
            return
        if text_element is not None:
            self.runs(place, part, text_element)

    def comments(self, part: str, root) -> None:
        for note in root.iter(f"{{{M}}}comment"):
            self._note(part, note, note.find(f"{{{M}}}text"), "note")
        for author in root.iter(f"{{{M}}}author"):
            self.element(f"feuille « {self.pkg.owner.get(part, '?')} », auteurs des notes", part, author)

    def threaded(self, part: str, root) -> None:
        for comment in root:
            if isinstance(comment.tag, str) and _local(comment) == "threadedComment":
                text = next((t for t in comment if isinstance(t.tag, str) and _local(t) == "text"), None)
                self._note(part, comment, text, "commentaire")

    # Pivot caches ------------------------------------------------------------------------------

    def pivot_definition(self, part: str, root) -> None:
        pkg = self.pkg
        name = pkg.pivot_names.get(part, f"tableau croisé ({part})")
        hit_items: set[tuple[int, int]] = set()
        changed = False
        fields = [f for f in root.iter(f"{{{M}}}cacheField")]
        for position, cache_field in enumerate(fields):
            place = f"cache du {name}, champ « {cache_field.get('name')} »"
            if (new := self.text(place, part, cache_field.get("name"))) is not None:
                cache_field.set("name", new)
            items = cache_field.find(f"{{{M}}}sharedItems")
            if items is None:
                continue
            date_field = _is_date_number_format(cache_field.get("numFmtId"))
            for index, item in enumerate(list(items)):
                hits = self._item_hits(item, date_field)
                if not hits:
                    continue
                hit_items.add((position, index))
                self.found(place, hits, part)
                if self.fix:
                    changed = True
                    if _local(item) == "s":
                        item.set("v", self.ids.replace(item.get("v", "")))
                    else:
                        blank = etree.Element(f"{{{M}}}m")
                        blank.tail = item.tail
                        items.replace(item, blank)
                        items.set("containsBlank", "1")
            for attribute in ("minDate", "maxDate", "minValue", "maxValue"):
                # Bounds of the items: dropped when one is a purged value (Excel recomputes them).
                hits = self._item_hits(etree.Element("d" if "Date" in attribute else "n", v=items.get(attribute, "")),
                                       date_field)
                if hits:
                    self.found(place, hits, part)
                    if self.fix:
                        del items.attrib[attribute]
                        changed = True
        dropped = 0
        for records_part in pkg.rels(part).values():
            records = pkg.tree(records_part) if records_part in pkg.parts else None
            if records is None or _local(records) != "pivotCacheRecords":
                continue
            kept = 0
            for number, record in enumerate(list(records.iter(f"{{{M}}}r")), start=1):
                hits = []
                for position, value in enumerate(v for v in record if isinstance(v.tag, str)):
                    if _local(value) == "x":
                        if (position, int(value.get("v", "-1"))) in hit_items:
                            hits.append(Hit(0, 0, "?", "valeur"))
                    else:
                        hits += self._item_hits(value, position < len(fields) and
                                                _is_date_number_format(fields[position].get("numFmtId")))
                if not hits:
                    kept += 1
                    continue
                owners = [h for h in hits if h.owner != "?"]
                if not self.fix:
                    place = self.safe(f"cache du {name}, enregistrement {number}")
                    self.residues += [Residue.of(place, h) for h in owners] or [Residue(place, "valeur d'un détenu purgé")]
                else:
                    records.remove(record)
                    dropped += 1
            if self.fix and dropped:
                records.set("count", str(kept))
                pkg.changed.add(records_part)
        if self.fix and (changed or dropped):
            root.set("refreshOnLoad", "1")
            pkg.changed.add(part)
            self.changes.refreshed.append((self.safe(name), dropped))
        # The rest of the definition (source range, formulas of calculated fields…).
        for element in root.iter():
            if isinstance(element.tag, str) and not _in_shared_items(element) and _local(element) != "cacheField":
                self.element(f"cache du {name}", part, element)

    def _item_hits(self, item, date_field: bool) -> list[Hit]:
        """Identities in one pivot item: text and dates as text, numbers as an écrou or a date serial."""
        kind, value = _local(item), item.get("v", "")
        if kind in ("s", "d"):
            return self.ids.find(value)
        if kind == "n":
            owner = self.ids.serial_owner(value) if date_field else self.ids.number_owner(value)
            return [Hit(0, 0, owner, BIRTH_DATE if date_field else ECROU)] if owner else []
        return []


def _inline(cell, text: str) -> None:
    """Make a worksheet cell an inline string holding ``text`` (its formula and value removed)."""
    for child in list(cell):
        cell.remove(child)
    cell.set("t", "inlineStr")
    inline = etree.SubElement(cell, f"{{{M}}}is")
    etree.SubElement(inline, f"{{{M}}}t").text = text


def _string(item) -> tuple[list, str]:
    """A shared string's text nodes (the item itself when it has none) and its text, runs joined."""
    nodes = list(item.iter(f"{{{M}}}t")) or [item]
    return nodes, "".join(n.text or "" for n in nodes)


def _is_date_number_format(number_format: str | None) -> bool:
    return number_format is not None and number_format.isdigit() and int(number_format) in BUILTIN_DATE_FORMATS


def _in_container(element) -> bool:
    parent = element.getparent()
    while parent is not None:
        if parent.tag in _RUN_CONTAINERS:
            return True
        parent = parent.getparent()
    return False


def _in_shared_items(element) -> bool:
    parent = element
    while parent is not None:
        if isinstance(parent.tag, str) and _local(parent) in ("sharedItems", "cacheField"):
            return True
        parent = parent.getparent()
    return False


def links_of(data: bytes, sheet: str) -> list[str]:
    """The addresses of a sheet's hyperlinks and linked files, decoded (%20 as a space)."""
    package = Package(data)
    part = next((p for p, name in package.sheets.items() if name == sheet), None)
    rels = part_rels_name(part) if part else None
    root = package.tree(rels) if rels in package.parts else None
    return [] if root is None else [unquote(rel.get("Target", "")) for rel in root.iter(f"{{{REL}}}Relationship")]


def scan(data: bytes, identities: Identities, kept: list[Residue] | None = None) -> list[Residue]:
    """Every occurrence of a purged identity left anywhere in the package (the self-check); the
    purged surnames found inside organisations' names, which are not the person, are appended to
    ``kept`` instead."""
    if not identities:
        return []
    walk = _Walk(Package(data), identities, {}, fix=False)
    walk.run()
    if kept is not None:
        kept += walk.kept
    return walk.residues


def scrub(data: bytes, identities: Identities, purged_rows: dict[str, set[int]] | None = None) -> tuple[bytes, Changes]:
    """The package without the purged identities (see the module's docstring), and what changed.

    ``purged_rows``: sheet name -> Excel rows of the purged sessions, whose notes are erased whole.
    The package is returned as it was (same bytes) when nothing needed a change.
    """
    if not identities:
        return data, Changes()
    package = Package(data)
    walk = _Walk(package, identities, purged_rows or {}, fix=True)
    walk.run()
    walk.changes.kept = walk.kept
    if not package.changed:
        return data, walk.changes
    return package.data(), walk.changes
