"""The adviser's guide (`docs/guide-conseiller.md`, shipped inside the package), by subject.

`ccc-xl aide SUJET` and the ribbon's « Aide » button show the part of the guide the adviser needs:
a step of the year (« 3 »), a command (« rotations »), a sheet (« Candidats », the sheet on screen
when the button is pressed) or any word of a heading. The guide is one Markdown file, so the same
text is read on GitHub, in a terminal and in a browser.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from . import shipped
from .parsing import normalise

GUIDE_FILE = "guide-conseiller.md"
STEP = re.compile(r"Étape (\d+)\b")


@dataclass(frozen=True)
class Section:
    """A heading of the guide and the text under it, up to the next heading of the same level or higher."""

    level: int
    title: str
    anchor: str
    text: str  # Markdown, heading line included

    @property
    def keys(self) -> str:
        """What the section answers to: its title, and for a step its key line (the italic line
        under the heading naming its sheets, buttons and commands)."""
        first = next((line for line in self.text.splitlines()[1:] if line.strip()), "")
        return f"{self.title} {first}" if first.startswith("*") else self.title

    @property
    def step(self) -> int | None:
        found = STEP.match(self.title)
        return int(found.group(1)) if found else None


def fold(text: str) -> str:
    """`parsing.normalise` (case, accents, spacing) with punctuation as spaces: « Éligibilité »
    finds « eligibilite », « export-financeurs » finds « export financeurs »."""
    return " ".join(re.findall(r"[a-z0-9]+", normalise(text)))


def anchor(title: str) -> str:
    """The HTML id of a heading, as GitHub makes it (lower case, spaces as hyphens, accents kept)."""
    plain = re.sub(r"[^\w\- ]", "", title.strip().casefold())
    return plain.replace(" ", "-")


def text() -> str:
    return (shipped("docs") / GUIDE_FILE).read_text(encoding="utf-8")


def sections(markdown: str | None = None) -> list[Section]:
    """Every ``##`` and ``###`` heading of the guide with its text (code blocks are not headings)."""
    lines = (markdown if markdown is not None else text()).splitlines()
    heads, in_code = [], False
    for number, line in enumerate(lines):
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and (found := re.match(r"(#{2,3}) (.+)", line)):
            heads.append((number, len(found.group(1)), found.group(2).strip()))
    found = []
    for i, (start, level, title) in enumerate(heads):
        end = next((n for n, lvl, _ in heads[i + 1:] if lvl <= level), len(lines))
        found.append(Section(level, title, anchor(title), "\n".join(lines[start:end]).strip() + "\n"))
    return found


def steps(markdown: str | None = None) -> list[Section]:
    """The year's steps, in order (« Étape 1 … »)."""
    return [s for s in sections(markdown) if s.step is not None]


def find(subject: str, markdown: str | None = None, *, full_text: bool = True) -> Section | None:
    """The section for a step number, a command, a sheet or words of a heading (None if nothing fits).

    Headings (and steps' key lines) are searched first, then, with ``full_text``, the text itself,
    where a section showing the command ``ccc-xl SUBJECT`` comes first. A step wins over another
    section naming the same words, and a shorter section over a longer one: « suivi » is the step of
    the follow-up, not a chapter that mentions it in passing."""
    wanted = fold(subject)
    if not wanted:
        return None
    every = sections(markdown)
    if wanted.isdigit():
        return next((s for s in every if s.step == int(wanted)), None)
    words = f" {wanted} "
    fitting = [s for s in every if words in f" {fold(s.keys)} "]
    if fitting or not full_text:
        return min(fitting, key=lambda s: (s.step is None, len(s.text)), default=None)
    # A word typed alone is most often a command: the sections showing it come first.
    command = re.compile(rf"\bccc-xl {re.escape(wanted.replace(' ', '-'))}(?![\w/-])")
    fitting = [s for s in every if words in f" {fold(s.text)} "]
    return min(fitting, key=lambda s: (not command.search(s.text), s.step is None, len(s.text)), default=None)


def html_page(markdown: str | None = None) -> str:
    """The whole guide as one HTML page, each heading carrying its `anchor` id."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark").enable("table")
    tokens = parser.parse(markdown if markdown is not None else text())
    for opening, inline in zip(tokens, tokens[1:]):
        if opening.type == "heading_open":
            opening.attrSet("id", anchor(inline.content))
    body = parser.renderer.render(tokens, parser.options, {})
    return PAGE.format(title=html.escape(TITLE), body=body)


def write_page(section: Section | None, folder: Path | None = None) -> Path:
    """Write the guide as HTML in ``folder`` (the user's own ccc-xl folder by default) and return the
    page to open: the guide itself, or a page that jumps to ``section`` (Windows opens a file
    without its ``#anchor``; a page can redirect to it)."""
    if folder is None:
        import platformdirs

        folder = platformdirs.user_data_path("ccc-xl", appauthor=False) / "aide"
    folder.mkdir(parents=True, exist_ok=True)
    guide = folder / "guide-conseiller.html"
    guide.write_text(html_page(), encoding="utf-8")
    if section is None:
        return guide
    jump = folder / "aide.html"
    target = html.escape(f"{guide.name}#{section.anchor}", quote=True)
    jump.write_text(JUMP.format(target=target, title=html.escape(section.title)), encoding="utf-8")
    return jump


TITLE = "ccc-xl — guide du conseiller"
PAGE = """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: Calibri, Arial, sans-serif; max-width: 52em; margin: 2em auto; padding: 0 1em;
       line-height: 1.45; color: #1f2933; }}
h1, h2, h3 {{ color: #1f4e79; }} h2 {{ border-bottom: 1px solid #c8d3df; padding-bottom: .2em; }}
table {{ border-collapse: collapse; }} th, td {{ border: 1px solid #c8d3df; padding: .3em .6em; vertical-align: top; }}
th {{ background: #e8eef5; }} code, pre {{ background: #f3f5f7; }} pre {{ padding: .6em; overflow-x: auto; }}
:target {{ background: #fff6d5; }}
</style></head><body>
{body}</body></html>
"""
JUMP = """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>{title}</title>
<meta http-equiv="refresh" content="0; url={target}"></head>
<body><p><a href="{target}">{title}</a></p></body></html>
"""
