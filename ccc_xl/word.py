"""Render planned documents into Word files (docxtpl), safely named, swapped in atomically.

This is the edge of the documents feature: ``ccc_xl.documents`` decides what to make, this module
touches files. Three promises to advisers:

- every value comes out intact: docxtpl does not escape by default, and an "&" or "<" in a company
  name silently corrupts the .docx, so rendering ALWAYS uses ``autoescape=True``;
- file names are readable and safe on Windows (pathvalidate): no forbidden character, no reserved
  name, no traversal out of the output folder, bounded length, no two names differing only by case;
- a run never leaves a mix of old and new files: the session folder is rebuilt in a temporary
  folder next to it and swapped in at the end; if anything fails, the previous files stay as they were.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePath

import jinja2
from docx import Document
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import nsmap
from docxtpl import DocxTemplate
from pathvalidate import sanitize_filename

from ccc_xl import office, progress
from ccc_xl.contract import CV_FOLDER
from ccc_xl.documents import DOCUMENT_TYPES, PlannedDocument
from ccc_xl.report import CommandError

# docxtpl's "subdoc" extra imports docxcompose, which rebinds python-docx's global "cp" prefix (core
# properties) to the custom-properties namespace: every later save would write a document's author
# and revision in the wrong namespace. python-docx gets its own prefix back; docxcompose gets its
# own only while it composes (`_composer`).
CORE_PROPERTIES_NS = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
nsmap["cp"] = CORE_PROPERTIES_NS

# The repository's templates/ folder; an installed wheel ships the same files as ccc_xl/templates.
_REPO_TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
TEMPLATES_DIR = _REPO_TEMPLATES if _REPO_TEMPLATES.is_dir() else Path(__file__).resolve().parent / "templates"
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


class TemplateSet:
    """The batch's templates, each read from disk once, sharing one compiling environment."""

    def __init__(self, templates_dir: Path = TEMPLATES_DIR):
        self.dir = templates_dir
        self.env = template_environment()
        self._blobs: dict[str, bytes] = {}

    def load(self, name: str) -> DocxTemplate:
        """A fresh DocxTemplate over the template's bytes (docxtpl renders a template in place)."""
        if name not in self._blobs:
            path = self.dir / name
            if not path.is_file():
                raise CommandError(f"Modèle introuvable : « {path} ».")
            self._blobs[name] = path.read_bytes()
        return DocxTemplate(io.BytesIO(self._blobs[name]))

    def render(self, doc: PlannedDocument, target: Path) -> None:
        template = self.load(doc.template)
        try:
            template.render(doc.context, jinja_env=self.env, autoescape=True)
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


def _swap(new: Path, current: Path, trash: Path) -> None:
    """Put ``new`` in place of ``current`` (two renames; the old tree is restored on failure)."""
    try:
        if current.exists():
            os.replace(current, trash)
        os.replace(new, current)
    except OSError:
        if trash.exists() and not current.exists():
            os.replace(trash, current)
        raise CommandError(f"Impossible de remplacer le dossier « {current} » : un document est "
                           "peut-être ouvert (Word, PDF). Fermez-le puis relancez.") from None


def generate(documents: list[PlannedDocument], out_dir: Path, session: int, types=None,
             pdf: bool = False, templates_dir: Path = TEMPLATES_DIR) -> list[GeneratedFile]:
    """Render ``documents`` of one session into ``out_dir/<session>/``, replacing that session's
    folders of the regenerated ``types`` (all types when None) in one swap; other types' folders
    are kept. Returns every file produced (Word, then PDF)."""
    if pdf:
        office.require_soffice()
    problems = [line for report in verify_templates(templates_dir, {d.template for d in documents})
                for line in report.problems]
    if problems:
        raise CommandError("Modèles à corriger avant de produire les documents : " + " ; ".join(problems))
    out_dir.mkdir(parents=True, exist_ok=True)
    session_dir = _inside(out_dir, PurePath(safe_name(str(session))))
    regenerated = {safe_name(DOCUMENT_TYPES[t].folder, MAX_FOLDER) for t in (types or DOCUMENT_TYPES)}
    paths = output_paths(documents)
    staging = Path(tempfile.mkdtemp(prefix=".ccc-xl-", dir=out_dir))
    try:
        new = staging / "session"
        new.mkdir()
        if session_dir.is_dir():
            for kept in session_dir.iterdir():
                if kept.name not in regenerated:
                    (shutil.copytree if kept.is_dir() else shutil.copy2)(kept, new / kept.name)
        relative = [PurePath(*p.parts[1:]) for p in paths]  # inside the session folder
        _render_all(documents, relative, new, TemplateSet(templates_dir))
        pdfs = _add_pdfs(new, relative, staging / "pdf") if pdf and documents else []
        _swap(new, session_dir, staging / "old")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    files = [GeneratedFile(d.type, p) for d, p in zip(documents, paths)]
    files += [GeneratedFile(d.type, PurePath(session_dir.name, p)) for d, p in zip(documents, pdfs)]
    return files


def session_files(out_dir: Path, session: int) -> list[GeneratedFile]:
    """Every document now in the session's folder (this run's and kept types'), sorted."""
    folder_types = {safe_name(t.folder, MAX_FOLDER): t.key for t in DOCUMENT_TYPES.values()}
    session_dir = out_dir / safe_name(str(session))
    if not session_dir.is_dir():
        return []
    return [GeneratedFile(folder_types.get(p.parent.name, ""), PurePath(p.relative_to(out_dir)))
            for p in sorted(session_dir.rglob("*")) if p.is_file()]


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


def verify_templates(templates_dir: Path = TEMPLATES_DIR, only: set[str] | None = None
                     ) -> list[TemplateReport]:
    """Each template's fields (docxtpl's undeclared variables) and any the data does not provide."""
    reports = []
    env = template_environment()
    for doc_type in DOCUMENT_TYPES.values():
        if only is not None and doc_type.template not in only:
            continue
        path = templates_dir / doc_type.template
        if not path.is_file():
            reports.append(TemplateReport(doc_type.key, doc_type.template, (),
                                          (f"{doc_type.template} : fichier introuvable",)))
            continue
        try:
            used = DocxTemplate(path).get_undeclared_template_variables(jinja_env=env)
        except jinja2.TemplateSyntaxError as exc:
            reports.append(TemplateReport(doc_type.key, doc_type.template, (),
                                          (f"{doc_type.template} : balise incorrecte ({exc.message})",)))
            continue
        unknown = sorted(used - doc_type.top_level_fields)
        problems = tuple(f"{doc_type.template} : champ « {name} » inconnu (voir templates/CHAMPS.md)"
                         for name in unknown)
        reports.append(TemplateReport(doc_type.key, doc_type.template, tuple(sorted(used)), problems))
    return reports
