"""Render planned documents into Word files (docxtpl), safely named, swapped in atomically.

This is the edge of the documents feature: ``ccc_xl.documents`` decides what to make, this module
touches files. Three promises to advisers:

- every value comes out intact: docxtpl does not escape by default, and an "&" or "<" in a company
  name silently corrupts the .docx, so rendering ALWAYS uses ``autoescape=True``;
- file names are readable and safe on Windows (pathvalidate): no forbidden character, no reserved
  name, no traversal out of the output folder, bounded length, no two names differing only by case;
- nothing the adviser owns is destroyed: each session folder has a manifest of the files ccc-xl
  wrote (path, SHA-256, time); only those still unchanged are replaced; a file edited since, or not
  written by ccc-xl, that stands where a new document goes is moved to « Versions précédentes »;
  every other file stays where it is;
- a run never leaves a mix of old and new files: documents are rendered in a staging folder first,
  and the renames that put them in place are undone if one fails.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import io
import json
import os
import shutil
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePath

import jinja2
from docx import Document
from docx.opc.constants import CONTENT_TYPE
from docx.opc.exceptions import PackageNotFoundError
from docx.opc.oxml import serialize_part_xml
from docx.opc.part import PartFactory
from docx.oxml.ns import nsmap
from docx.oxml.parser import parse_xml
from docx.parts.styles import StylesPart
from docxtpl import DocxTemplate
from pathvalidate import sanitize_filename

from ccc_xl import office, progress, shipped
from ccc_xl.contract import CV_FOLDER
from ccc_xl.documents import DOCUMENT_TYPES, Image, PlannedDocument
from ccc_xl.report import CommandError
from ccc_xl.workbook import safety
from ccc_xl.workbook.safety import PREVIOUS_VERSIONS

# docxtpl's "subdoc" extra imports docxcompose, which rebinds python-docx's global "cp" prefix (core
# properties) to the custom-properties namespace: every later save would write a document's author
# and revision in the wrong namespace. python-docx gets its own prefix back; docxcompose gets its
# own only while it composes (`_composer`).
CORE_PROPERTIES_NS = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
nsmap["cp"] = CORE_PROPERTIES_NS


@functools.lru_cache(maxsize=16)
def _reserialised(blob: bytes) -> bytes:
    """What python-docx writes for an XML part read as ``blob`` and left unchanged."""
    return serialize_part_xml(parse_xml(blob))


class _LazyStylesPart(StylesPart):
    """The styles part, parsed only when something reads its styles.

    A template's styles.xml is by far its largest part (350 kB), and rendering a document never
    touches it: parsing and re-serialising it for every document was most of the cost of a batch.
    Left unread, the part writes what python-docx would have written (`_reserialised`, computed
    once per distinct part, which also raises at loading on a malformed part, as python-docx does);
    read, it is an ordinary StylesPart.
    """

    @classmethod
    def load(cls, partname, content_type, blob, package):
        part = cls(partname, content_type, None, package)
        part._source, part._unchanged = blob, _reserialised(blob)
        return part

    @property
    def _element(self):
        if self._parsed is None:
            self._parsed = parse_xml(self._source)
        return self._parsed

    @_element.setter
    def _element(self, element):
        self._parsed = element

    @property
    def blob(self):
        return self._unchanged if self._parsed is None else super().blob


PartFactory.part_type_for[CONTENT_TYPE.WML_STYLES] = _LazyStylesPart

TEMPLATES_DIR = shipped("templates")
BILAN_TEMPLATE = "bilan-annuel.docx"
MAX_NAME = 90  # characters of a file name, without its extension
MAX_FOLDER = 40


def safe_name(name: str, max_len: int = MAX_NAME) -> str:
    """A readable file or folder name Windows and Linux accept, never "", "." or ".."."""
    cleaned = sanitize_filename(" ".join(str(name).split()), replacement_text="-", platform="windows",
                                max_len=max_len)
    cleaned = cleaned.strip(" .")
    return sanitize_filename(cleaned, platform="windows") or "document"


def output_paths(documents: list[PlannedDocument], suffix: str = ".docx") -> list[PurePath]:
    """Relative, sanitised, unique paths (session/type folder/name.docx) of the documents.

    Names are made unique across the whole batch, ignoring case (Windows does), so that PDFs of
    different folders can be converted together without clashing.
    """
    taken: set[str] = set()
    paths = []
    for doc in documents:
        folder = [safe_name(part, MAX_FOLDER) for part in doc.folder]
        stem = base = safe_name(doc.name)
        number = 1
        while stem.casefold() in taken:
            number += 1
            tail = f" ({number})"
            stem = base[: MAX_NAME - len(tail)].rstrip(" .") + tail
        taken.add(stem.casefold())
        paths.append(PurePath(*folder, stem + suffix))
    return paths


def _inside(root: Path, relative: PurePath) -> Path:
    """``root / relative``, refusing anything that would land outside ``root``."""
    target = (root / relative).resolve()
    if not target.is_relative_to(root.resolve()):
        raise CommandError(f"Nom de fichier refusé : « {relative} ».")
    return target


class _BatchEnvironment(jinja2.Environment):
    """Compiles each distinct template text once per batch.

    docxtpl hands the environment the same document XML for every document made from a template
    (plus each header, footer and property); compiling it once instead of once per document is
    the main saving of batch rendering (see scripts/bench_documents.py).
    """

    def __init__(self):
        # Escaping on: values stay intact. StrictUndefined: an adviser's typo in a template is an
        # error, not a silently empty field.
        super().__init__(autoescape=True, undefined=jinja2.StrictUndefined)
        self._compiled: dict[str, jinja2.Template] = {}

    def from_string(self, source, globals=None, template_class=None):
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        if source not in self._compiled:
            self._compiled[source] = super().from_string(source)
        return self._compiled[source]


def template_environment() -> jinja2.Environment:
    return _BatchEnvironment()


def template_path(name: str, templates_dir: Path = TEMPLATES_DIR, custom_dir: Path | None = None) -> Path:
    """The template a document is made from: the Mission Locale's own copy in ``custom_dir`` (the
    « Modèles » folder beside the workbook) when it has one, else the shipped one."""
    if custom_dir is not None and (custom_dir / name).is_file():
        return custom_dir / name
    return templates_dir / name


def find_logos(folder: Path | None) -> dict[str, Path]:
    """The readable images (PNG, JPEG, GIF, BMP) of the « Logos » folder, by file name in lower case."""
    from docx.image.exceptions import UnrecognizedImageError
    from docx.image.image import Image as DocxImage

    found = {}
    if folder is None or not folder.is_dir():
        return found
    for path in sorted(folder.iterdir()):
        if not path.is_file():
            continue
        try:
            DocxImage.from_file(str(path))
        except (UnrecognizedImageError, OSError, ValueError, IndexError, KeyError):
            continue  # not an image Word can show: reported as not found by the documents
        found[path.name.casefold()] = path
    return found


def _with_images(context: dict, template: DocxTemplate) -> dict:
    """The context with each `documents.Image` (at the top level or in a top-level list) as
    docxtpl's InlineImage of this template."""
    from docx.shared import Mm
    from docxtpl import InlineImage

    def convert(value):
        if isinstance(value, Image):
            return InlineImage(template, str(value.path), height=Mm(value.height_mm))
        if isinstance(value, list) and any(isinstance(v, Image) for v in value):
            return [convert(v) for v in value]
        return value

    return {key: convert(value) for key, value in context.items()}


class _BatchTemplate(DocxTemplate):
    """A DocxTemplate that shares docxtpl's clean-up of the template XML (`patch_xml`: regular
    expressions over a whole part) with the batch's other documents: each of them starts from the
    same template, so from the same XML, and the clean-up depends on nothing else."""

    def __init__(self, template_file, patched: dict[str, str]):
        super().__init__(template_file)
        self._patched = patched

    def patch_xml(self, src_xml):
        if src_xml not in self._patched:
            self._patched[src_xml] = super().patch_xml(src_xml)
        return self._patched[src_xml]


def _stored(data: bytes) -> bytes:
    """The same package with its parts stored uncompressed, so that opening it once per document
    does not inflate every part again (what python-docx reads is the same)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as source:
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as target:
                for info in source.infolist():
                    target.writestr(info.filename, source.read(info))
            return buffer.getvalue()
    except (zipfile.BadZipFile, OSError, EOFError, KeyError, ValueError, RuntimeError, NotImplementedError):
        return data  # python-docx names the problem when it opens the original


class TemplateSet:
    """The batch's templates, each read from disk once, sharing one compiling environment."""

    def __init__(self, templates_dir: Path = TEMPLATES_DIR, custom_dir: Path | None = None):
        self.dir = templates_dir
        self.custom_dir = custom_dir
        self.env = template_environment()
        self._blobs: dict[str, bytes] = {}
        self._patched: dict[str, str] = {}

    def load(self, name: str) -> DocxTemplate:
        """A fresh DocxTemplate over the template's bytes (docxtpl renders a template in place)."""
        if name not in self._blobs:
            path = template_path(name, self.dir, self.custom_dir)
            if not path.is_file():
                raise CommandError(f"Modèle introuvable : « {path} ».")
            self._blobs[name] = _stored(path.read_bytes())
        return _BatchTemplate(io.BytesIO(self._blobs[name]), self._patched)

    def render(self, doc: PlannedDocument, target: Path) -> None:
        template = self.load(doc.template)
        try:
            template.render(_with_images(doc.context, template), jinja_env=self.env, autoescape=True)
        except jinja2.TemplateError as exc:
            raise CommandError(f"Le modèle « {doc.template} » ne peut pas être rempli : {exc}. "
                               "Vérifiez-le avec « ccc-xl modeles verifier ».") from None
        template.save(target)


@dataclass(frozen=True)
class GeneratedFile:
    """A file the run produced, relative to the output folder (for the Documents sheet)."""

    type: str
    path: PurePath


@contextlib.contextmanager
def _composer():
    """docxcompose's Composer, with its "cp" prefix in force only while it composes (see above)."""
    from docxcompose.composer import Composer
    from docxcompose.utils import NS

    nsmap["cp"] = NS["cp"]
    try:
        yield Composer
    finally:
        nsmap["cp"] = CORE_PROPERTIES_NS


def append_documents(target: Path, appendices) -> None:
    """Merge each .docx of ``appendices`` at the end of ``target``, each from a new page.

    docxcompose carries over the appended documents' styles, numbering and images, which a
    paragraph-by-paragraph copy with python-docx would lose.
    """
    with _composer() as Composer:
        _compose(Composer(Document(target)), target, appendices)


def _compose(composer, target: Path, appendices) -> None:
    for path in appendices:
        try:
            appended = Document(path)
        except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError):
            raise CommandError(f"Le CV « {Path(path).name} » n'a pas pu être joint (fichier Word illisible) : "
                               "corrigez-le ou retirez-le du dossier CV, puis relancez.") from None
        composer.doc.add_page_break()
        composer.append(appended)
    composer.save(target)


def _render_all(documents, paths, root: Path, templates: TemplateSet) -> None:
    for done, (doc, relative) in enumerate(zip(documents, paths)):
        progress.report("Documents Word", done, len(documents), relative.name)
        target = _inside(root, relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        templates.render(doc, target)
        if doc.appendices:
            append_documents(target, doc.appendices)
    progress.report("Documents Word", len(documents), len(documents))


def cv_folder(out_dir: Path, session: int) -> Path:
    """Where advisers put the session's CVs, named by participant ID."""
    return out_dir / safe_name(str(session)) / CV_FOLDER


def find_cvs(out_dir: Path, session: int, ids) -> dict[str, Path]:
    """The CVs advisers placed in ``<session>/CV/``, named by participant ID (.docx preferred to .pdf)."""
    folder = cv_folder(out_dir, session)
    if not folder.is_dir():
        return {}
    files = {p.name.casefold(): p for p in folder.iterdir() if p.is_file()}
    found = {}
    for pid in ids:
        for suffix in (".docx", ".pdf"):
            path = files.get(f"{pid}{suffix}".casefold())
            if path is not None:
                found[pid] = path
                break
    return found


def _add_pdfs(root: Path, paths: list[PurePath], work_dir: Path) -> list[PurePath]:
    sources = [root / p for p in paths]
    pdfs = office.convert(sources, work_dir)
    for source, pdf in zip(sources, pdfs):
        shutil.move(pdf, source.with_suffix(".pdf"))
    return [p.with_suffix(".pdf") for p in paths]


MANIFEST = ".ccc-xl-documents.json"  # in each session folder: what ccc-xl wrote there


@dataclass(frozen=True)
class KeptVersion:
    """A file in the way of a new document (edited by hand since ccc-xl wrote it, or never written
    by ccc-xl), moved aside instead of overwritten; paths relative to the output folder."""

    was: PurePath
    now: PurePath
    edited: bool  # True: ccc-xl wrote it and the adviser changed it; False: not ccc-xl's file


@dataclass
class Generation:
    """What one run of `render_session` did."""

    files: list[GeneratedFile]
    kept: list[KeptVersion]
    stale: int = 0  # staging folders an interrupted run had left, removed
    # Files an earlier run wrote, unchanged since and no longer produced (a participant no longer
    # retained, the PDFs of a run with --pdf): removed so that no stale paper is sent by mistake.
    withdrawn: list[PurePath] = field(default_factory=list)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(session_dir: Path) -> dict[str, dict]:
    """The session folder's manifest: relative POSIX path -> {"sha256", "time"} of each file ccc-xl
    wrote there. A missing or unreadable manifest is empty: then no file counts as ccc-xl's, so
    none is replaced or removed (the safe side)."""
    try:
        content = json.loads((session_dir / MANIFEST).read_text(encoding="utf-8"))
        files = content["files"]
        return {str(k): dict(v) for k, v in files.items() if isinstance(v, dict) and "sha256" in v}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _write_manifest(session_dir: Path, files: dict[str, dict]) -> None:
    text = json.dumps({"version": 1, "files": dict(sorted(files.items()))}, ensure_ascii=False, indent=1)
    safety.write_new(session_dir / MANIFEST, text.encode("utf-8"))


class _Moves:
    """Renames done so far, undone in reverse order if a later one fails."""

    def __init__(self):
        self.done: list[tuple[Path, Path]] = []

    def move(self, source: Path, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
        self.done.append((source, target))

    def undo(self) -> None:
        for source, target in reversed(self.done):
            with contextlib.suppress(OSError):
                source.parent.mkdir(parents=True, exist_ok=True)
                os.replace(target, source)


def _place(staged: Path, session_dir: Path, produced: list[PurePath], regenerated: set[str],
           staging: Path, out_dir: Path) -> tuple[list[KeptVersion], list[PurePath]]:
    """Put the staged files in the session folder without destroying anything the adviser owns.

    In the regenerated types' folders: a file that ccc-xl wrote and nobody changed since is replaced
    (or removed when no longer produced); a file in the way of a new document that ccc-xl did not
    write, or that was edited since, goes to « Versions précédentes »; every other file stays where
    it is, untouched. All renames are undone if one fails; the manifest is written last. Returns the
    files kept aside and the generated files removed (relative to ``out_dir``)."""
    manifest = read_manifest(session_dir)
    new_names = {p.as_posix() for p in produced}
    moves, kept, withdrawn, taken = _Moves(), [], [], set()
    old = staging / "old"
    try:
        for folder in sorted(regenerated):
            root = session_dir / folder
            if not root.is_dir():
                continue
            for path in sorted(root.rglob("*")):
                relative = path.relative_to(session_dir)
                if not path.is_file() or path.is_symlink() or PREVIOUS_VERSIONS in relative.parts[:-1]:
                    continue
                key = relative.as_posix()
                if key in manifest and _sha256(path) == manifest[key]["sha256"]:
                    moves.move(path, old / relative)  # replaced below, or no longer produced
                    if key not in new_names:
                        withdrawn.append(path.relative_to(out_dir))
                elif key in new_names:
                    aside = safety.aside_name(path, taken)
                    moves.move(path, aside)
                    kept.append(KeptVersion(path.relative_to(out_dir), aside.relative_to(out_dir), key in manifest))
        for relative in produced:
            moves.move(staged / relative, session_dir / relative)
    except OSError:
        moves.undo()
        raise CommandError(f"Impossible de remplacer les documents du dossier « {session_dir} » : un document est "
                           "peut-être ouvert (Word, PDF). Fermez-le puis relancez.") from None
    now = dt.datetime.now().isoformat(timespec="seconds")
    entries = {k: v for k, v in manifest.items()
               if k.split("/", 1)[0] not in regenerated and (session_dir / k).is_file()}
    entries.update({p.as_posix(): {"sha256": _sha256(session_dir / p), "time": now} for p in produced})
    _write_manifest(session_dir, entries)
    return kept, withdrawn


def generate(documents: list[PlannedDocument], out_dir: Path, session: int, types=None,
             pdf: bool = False, templates_dir: Path = TEMPLATES_DIR, custom_dir: Path | None = None
             ) -> list[GeneratedFile]:
    """`render_session`'s files (Word, then PDF)."""
    return render_session(documents, out_dir, session, types, pdf, templates_dir, custom_dir).files


def render_session(documents: list[PlannedDocument], out_dir: Path, session: int, types=None,
                   pdf: bool = False, templates_dir: Path = TEMPLATES_DIR, custom_dir: Path | None = None
                   ) -> Generation:
    """Render ``documents`` of one session into ``out_dir/<session>/``, in the folders of the
    regenerated ``types`` (all types when None): everything is rendered in a staging folder first,
    then placed by `_place`, which never destroys a file the adviser added or edited."""
    if pdf:
        office.require_soffice()
    problems = [line for report in verify_templates(templates_dir, {d.template for d in documents}, custom_dir)
                for line in report.problems]
    if problems:
        raise CommandError("Modèles à corriger avant de produire les documents : " + " ; ".join(problems))
    out_dir.mkdir(parents=True, exist_ok=True)
    session_dir = _inside(out_dir, PurePath(safe_name(str(session))))
    regenerated = {safe_name(DOCUMENT_TYPES[t].folder, MAX_FOLDER) for t in (types or DOCUMENT_TYPES)}
    paths = output_paths(documents)
    stale = remove_stale_staging(out_dir)
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out_dir))
    try:
        new = staging / "session"
        new.mkdir()
        relative = [PurePath(*p.parts[1:]) for p in paths]  # inside the session folder
        _render_all(documents, relative, new, TemplateSet(templates_dir, custom_dir))
        pdfs = _add_pdfs(new, relative, staging / "pdf") if pdf and documents else []
        session_dir.mkdir(exist_ok=True)
        kept, withdrawn = _place(new, session_dir, relative + pdfs, regenerated, staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    files = [GeneratedFile(d.type, p) for d, p in zip(documents, paths)]
    files += [GeneratedFile(d.type, PurePath(session_dir.name, p)) for d, p in zip(documents, pdfs)]
    return Generation(files, kept, stale, withdrawn)


STAGING_PREFIX = ".ccc-xl-"
STALE_AFTER = 3600  # seconds: a staging folder untouched that long belongs to no running run


def staging_folders(out_dir: Path) -> list[Path]:
    """The staging folders of document runs in ``out_dir`` (running or interrupted): they hold
    documents with personal data."""
    with contextlib.suppress(OSError):
        return sorted(p for p in Path(out_dir).iterdir() if p.name.startswith(STAGING_PREFIX) and p.is_dir())
    return []


def remove_stale_staging(out_dir: Path) -> int:
    """Remove the staging folders that an interrupted run left (untouched for an hour)."""
    removed = 0
    for folder in staging_folders(out_dir):
        with contextlib.suppress(OSError):
            if time.time() - folder.stat().st_mtime > STALE_AFTER:
                shutil.rmtree(folder)
                removed += 1
    return removed


def session_files(out_dir: Path, session: int) -> list[GeneratedFile]:
    """Every document now in the session's folder (this run's and kept types'), sorted."""
    folder_types = {safe_name(t.folder, MAX_FOLDER): t.key for t in DOCUMENT_TYPES.values()}
    session_dir = out_dir / safe_name(str(session))
    if not session_dir.is_dir():
        return []
    return [GeneratedFile(folder_types.get(p.parent.name, ""), PurePath(p.relative_to(out_dir)))
            for p in sorted(session_dir.rglob("*")) if p.is_file() and not p.name.startswith((".", "~$"))]


# ---------------------------------------------------------------------------------------------
# Template verification (`ccc-xl modeles verifier`)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateReport:
    """What one template uses, and what is wrong with it, in French."""

    type: str
    template: str
    fields: tuple[str, ...]
    problems: tuple[str, ...]
    custom: bool = False  # the Mission Locale's own copy (« Modèles » folder), not the shipped one


_FIELDS: dict[bytes, frozenset[str]] = {}  # a template's fields, by the SHA-256 of its bytes


def template_fields(data: bytes) -> frozenset[str]:
    """The fields a template (.docx bytes) uses: docxtpl's undeclared variables, found once per
    process for the same bytes (every documents run checks its templates first)."""
    digest = hashlib.sha256(data).digest()
    if digest not in _FIELDS:
        _FIELDS[digest] = frozenset(DocxTemplate(io.BytesIO(data)).get_undeclared_template_variables(
            jinja_env=template_environment()))
    return _FIELDS[digest]


def verify_templates(templates_dir: Path = TEMPLATES_DIR, only: set[str] | None = None,
                     custom_dir: Path | None = None) -> list[TemplateReport]:
    """Each template's fields (docxtpl's undeclared variables) and any the data does not provide;
    a type whose template the « Modèles » folder ``custom_dir`` holds is checked in that copy."""
    reports = []
    for doc_type in DOCUMENT_TYPES.values():
        if only is not None and doc_type.template not in only:
            continue
        path = template_path(doc_type.template, templates_dir, custom_dir)
        custom = path.parent != templates_dir
        shown = f"{path.parent.name}/{doc_type.template}" if custom else doc_type.template
        if not path.is_file():
            reports.append(TemplateReport(doc_type.key, doc_type.template, (),
                                          (f"{shown} : fichier introuvable",), custom))
            continue
        try:
            used = template_fields(path.read_bytes())
        except jinja2.TemplateSyntaxError as exc:
            reports.append(TemplateReport(doc_type.key, doc_type.template, (),
                                          (f"{shown} : balise incorrecte ({exc.message})",), custom))
            continue
        except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError):
            reports.append(TemplateReport(doc_type.key, doc_type.template, (),
                                          (f"{shown} : ce n'est pas un document Word lisible (.docx)",), custom))
            continue
        unknown = sorted(used - doc_type.top_level_fields)
        problems = tuple(f"{shown} : champ « {name} » inconnu (voir templates/CHAMPS.md)" for name in unknown)
        reports.append(TemplateReport(doc_type.key, doc_type.template, tuple(sorted(used)), problems, custom))
    return reports


def copy_templates(folder: Path, overwrite: bool = False) -> tuple[list[Path], list[Path]]:
    """Copy the shipped templates into ``folder`` (the « Modèles » folder) for a Mission Locale to
    make them its own: (copied, kept) — a template already there is never overwritten unless asked."""
    folder.mkdir(parents=True, exist_ok=True)
    copied, kept = [], []
    names = [t.template for t in DOCUMENT_TYPES.values()] + [BILAN_TEMPLATE, "CHAMPS.md"]
    for name in names:
        source, target = TEMPLATES_DIR / name, folder / name
        if not source.is_file():
            continue
        if target.exists() and not overwrite:
            kept.append(target)
            continue
        shutil.copyfile(source, target)
        copied.append(target)
    return copied, kept
