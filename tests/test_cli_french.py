"""Everything the `ccc-xl` command shows is French: help, click's own errors, outcomes, figures.

The scan runs every command's help, a set of wrong invocations an adviser makes in the first hour,
and real runs, then looks for English words and for numbers written with a decimal point.
"""

from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

from ccc_xl.cli import main as cli

ENGLISH = re.compile(
    r"\b(integer|float|required|choose from|invalid|error|warning|usage|missing|expected|no such|does not|"
    r"not found|got unexpected|aborted|traceback|exception|unexpected|value|values|command|commands|"
    r"show this|exit|default|deprecated|extra arguments?|did you mean|is not|was given|file|directory|path|"
    r"sessions? held|done|failed|success|true|false|none|nan)\b",
    re.IGNORECASE,
)
DECIMAL_POINT = re.compile(r"(?<![\w./-])\d+\.\d+(?![\w./-])")


def visible_words(text: str) -> str:
    """What an adviser reads, minus what is not language: option names, paths and file names."""
    text = re.sub(r"--?[\w-]+", " ", text)  # --session, -o
    text = re.sub(r"\S*[/\\]\S*", " ", text)  # paths
    return re.sub(r"\S+\.(xlsx|xlsm|docx|pdf|csv|log)\b", " ", text)


def assert_french(text: str, where: str) -> None:
    words = visible_words(text)
    english = sorted({m.group(0).lower() for m in ENGLISH.finditer(words)})
    assert not english, f"{where} : mots anglais {english} dans :\n{text}"
    decimals = DECIMAL_POINT.findall(re.sub(r"«[^»]*»", " ", words))  # « 2026.5 » quotes what was typed
    assert not decimals, f"{where} : nombres avec un point décimal {decimals} dans :\n{text}"


def all_commands(group: click.Group, prefix=()):
    for name, command in group.commands.items():
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from all_commands(command, (*prefix, name))


@pytest.mark.parametrize("words", [(), *all_commands(cli)], ids=lambda w: " ".join(w) or "ccc-xl")
def test_every_help_is_french(words):
    result = CliRunner().invoke(cli, [*words, "--help"], terminal_width=80)
    assert result.exit_code == 0, result.output
    assert_french(result.output, f"ccc-xl {' '.join(words)} --help")


def test_the_command_list_fits_without_cutting_a_sentence():
    result = CliRunner().invoke(cli, ["--help"], terminal_width=80)
    listing = result.output.split("Commandes")[1]
    assert "..." not in listing and "…" not in listing
    for line in listing.splitlines()[1:]:
        assert len(line) <= 80, line


WRONG = [
    ["eligibilite", "{w}", "--session", "2O27"],
    ["eligibilite", "{w}", "--session"],
    ["eligibilite"],
    ["eligibilite", "{w}", "--sesion", "2027"],
    ["eligibilite", "{w}", "en trop"],
    ["rotations", "{w}", "--session", "deux mille"],
    ["purger", "{w}"],
    ["purger", "{w}", "--avant", "l'an dernier"],
    ["export-financeurs", "{w}"],
    ["export-financeurs"],
    ["bilan", "{w}"],
    ["bilan", "{w}", "--annee", "2025", "-o", "bilan.pdf"],
    ["indicateurs", "{w}", "--date", "31-31-2020"],
    ["suivi", "{w}", "--au", "demain"],
    ["documents", "{w}", "--session", "2026.5"],
    ["modeles", "inconnu"],
    ["addin", "installer"],
    ["eligibiliter", "{w}"],
    ["eligibilite", "{missing}"],
    ["eligibilite", "{folder}"],
]


@pytest.mark.parametrize("words", WRONG, ids=lambda w: " ".join(w))
def test_wrong_invocations_are_answered_in_french(blank, tmp_path, words):
    values = {"w": str(blank), "missing": str(tmp_path / "absent.xlsx"), "folder": str(tmp_path)}
    result = CliRunner().invoke(cli, [w.format(**values) for w in words], terminal_width=80)
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert_french(result.output, "ccc-xl " + " ".join(words))


@pytest.mark.parametrize("words", [
    ["eligibilite", "{w}", "--session", "2027"],
    ["suivi", "{w}", "--au", "26/11/2026"],
    ["indicateurs", "{w}", "--date", "26/11/2026"],
    ["rotations", "{w}", "--session", "2027"],
    ["rotations", "{w}", "--session", "2027", "--verifier"],
    ["purger", "{w}", "--avant", "2020"],
], ids=lambda w: " ".join(w[:1] + w[2:]))
def test_outcomes_of_real_runs_are_french(demo_copy, words):
    result = CliRunner().invoke(cli, [w.format(w=str(demo_copy)) for w in words], input="n\n", terminal_width=80)
    assert "Traceback" not in result.output
    assert_french(result.output, "ccc-xl " + " ".join(words))


def test_piped_output_is_not_cut_inside_a_path(tmp_path):
    deep = tmp_path / ("un dossier au nom assez long pour dépasser quatre-vingts colonnes" * 2)
    deep.mkdir()
    result = CliRunner().invoke(cli, ["nouveau", str(deep / "classeur.xlsx")])
    assert result.exit_code == 0, result.output
    assert str(deep / "classeur.xlsx") in result.output


def test_anomalies_after_an_error_come_under_a_heading(tmp_path):
    # « Retenu » unreadable: the run stops (no participant) and the unreadable cell explains why.
    from ccc_xl import contract as c
    from conftest import workbook_with

    path = workbook_with(tmp_path / "classeur.xlsx", {
        c.SESSIONS: [{"year": 2027}],
        c.CANDIDATES: [{"id": "C1", "session": 2027, "last_name": "Martin", "first_name": "Léa", "retained": "peut-être"}]})
    result = CliRunner().invoke(cli, ["rotations", str(path), "--session", "2027"], terminal_width=80)
    assert result.exit_code != 0
    assert "1 anomalie à vérifier :" in result.output
    assert result.output.index("anomalie à vérifier") < result.output.index("« peut-être »")


def test_library_warnings_never_reach_the_adviser(capfd):
    import warnings

    from ccc_xl.cli import friendly
    from ccc_xl.report import Outcome

    @friendly
    def noisy():
        warnings.warn("Data Validation extension is not supported and will be removed", UserWarning)
        warnings.warn("Downcasting object dtype arrays is deprecated", FutureWarning)
        return Outcome("essai", "Terminé.")

    noisy()
    captured = capfd.readouterr()
    assert "Terminé." in captured.out
    assert "extension" not in captured.out + captured.err and "deprecated" not in captured.out + captured.err


@pytest.mark.parametrize("words, expected", [
    (["indicateurs", "{w}", "--jusqu-a", "20"], "« 20 » n'est pas une année"),
    (["eligibilite", "{w}", "--session", "2O27"], "« 2O27 » n'est pas une année"),
    (["purger", "{w}", "--avant", "19"], "« 19 » n'est pas une année"),
    (["export-financeurs", "{w}", "-o", "{out}", "--annee", "27"], "« 27 » n'est pas une année"),
    (["indicateurs", "{w}", "--date", "30/02/2026"], "« 30/02/2026 » n'est pas une date valide"),
    (["suivi", "{w}", "--au", "31/13/2026"], "« 31/13/2026 » n'est pas une date valide"),
    (["bilan", "{w}", "--annee", "2026", "-o", "{pdf}"], "le document doit avoir l'extension .docx"),
])
def test_a_wrong_year_or_date_is_refused_before_anything_is_touched(blank, tmp_path, words, expected):
    before = blank.read_bytes()
    values = {"w": blank, "out": tmp_path / "export.xlsx", "pdf": tmp_path / "bilan.pdf"}
    result = CliRunner().invoke(cli, [w.format(**values) for w in words], terminal_width=200)
    assert result.exit_code == 2, result.output
    assert expected in result.output and "Erreur inattendue" not in result.output
    assert blank.read_bytes() == before and not (tmp_path / "export.xlsx").exists()


@pytest.mark.parametrize("words", [["suivi", "{w}", "--au", "3 mai 2027"], ["indicateurs", "{w}", "--date", "3/5/27"]])
def test_dates_are_typed_as_in_the_workbook(demo_copy, words):
    result = CliRunner().invoke(cli, [w.format(w=demo_copy) for w in words], terminal_width=200)
    assert result.exit_code == 0, result.output
    if words[0] == "suivi":
        assert "Suivi au 03/05/2027" in result.output


@pytest.mark.parametrize("answer, purged", [("o\n", True), ("oui\n", True), ("Non\n", False), ("\n", False),
                                            ("peut-être\nn\n", False)])
def test_the_purge_question_is_answered_in_french(demo_copy, answer, purged):
    before = demo_copy.read_bytes()
    result = CliRunner().invoke(cli, ["purger", str(demo_copy), "--avant", "2020"], input=answer, terminal_width=200)
    assert "Traceback" not in result.output and "Erreur inattendue" not in result.output, result.output
    assert "(o = oui, n = non) :" in result.output
    if "peut-être" in answer:
        assert "Réponse non comprise : tapez o pour oui, n pour non." in result.output
    assert ("Abandon" in result.output) is not purged
    assert (demo_copy.read_bytes() != before) is purged


def test_interrupting_the_purge_question_changes_nothing(demo_copy):
    before = demo_copy.read_bytes()
    result = CliRunner().invoke(cli, ["purger", str(demo_copy), "--avant", "2020"], input="", terminal_width=200)
    assert "Erreur inattendue" not in result.output and "Traceback" not in result.output
    assert demo_copy.read_bytes() == before
