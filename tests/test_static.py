"""Static checks of the repository's addons; they need no Odoo.

Each external tool is one test, so the pytest summary tells which one failed
and its output says why.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ADDONS = sorted(path.parent.name for path in REPO.glob("*/__manifest__.py"))
PYTHON_FILES = sorted(
    str(path.relative_to(REPO))
    for addon in ADDONS
    for path in (REPO / addon).rglob("*.py")
)
XML_FILES = sorted(
    str(path.relative_to(REPO))
    for addon in ADDONS
    for path in (REPO / addon).rglob("*.xml")
)


def tool(name):
    """The console script installed beside this Python, else the one on PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else (shutil.which(name) or name)


def run(*command):
    result = subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, check=False
    )
    output = (result.stdout + result.stderr).strip()
    assert result.returncode == 0, f"{' '.join(command[:3])} failed:\n{output}"
    return output


def test_there_is_an_addon():
    assert ADDONS == ["quality_complaint"]


def test_ruff_lint():
    run(sys.executable, "-m", "ruff", "check", "--no-fix", *ADDONS, "tests", "scripts")


def test_ruff_format():
    run(sys.executable, "-m", "ruff", "format", "--check", *ADDONS, "tests", "scripts")


def test_pylint_odoo_mandatory():
    run(
        sys.executable,
        "-m",
        "pylint",
        "--rcfile=.pylintrc-mandatory",
        "--score=n",
        *PYTHON_FILES,
    )


def test_oca_module_checks():
    run(
        tool("oca-checks-odoo-module"),
        *(f"{addon}/__manifest__.py" for addon in ADDONS),
    )


def test_oca_po_checks():
    po_files = sorted(
        str(path.relative_to(REPO))
        for addon in ADDONS
        for folder in ("i18n", "i18n_extra")
        for path in (REPO / addon / folder).glob("*.po*")
    )
    assert po_files, "no translation files"
    run(tool("oca-checks-po"), *po_files)


def test_prettier_xml():
    prettier = REPO / "node_modules" / ".bin" / "prettier"
    if not prettier.exists():
        if shutil.which("npm") is None:
            pytest.fail("npm is missing: prettier cannot check the XML formatting")
        pytest.fail("prettier is not installed: run 'npm ci' (scripts/test does)")
    run(str(prettier), "--check", *XML_FILES)


def test_manifest_xml_access_translations():
    """Manifest keys, XML well-formedness, access rows, translation coverage."""
    run(sys.executable, "scripts/static_checks.py", *ADDONS)


def test_addon_readme_is_built_from_fragments():
    """The wheel's long description is the addon's README.rst, generated from
    its readme/ fragments."""
    run(sys.executable, "scripts/build_addon_readme.py", "--check")
