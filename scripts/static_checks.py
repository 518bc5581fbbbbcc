#!/usr/bin/env python3
"""Static checks of Odoo addons that need no Odoo.

    python3 scripts/static_checks.py [ADDON_DIR ...]

Checks the manifest, XML well-formedness and that every XML file is loaded,
that every model has access rows, and that the translations are complete: the
.pot holds every string of the sources (a heuristic extraction; the
integration suite compares it with Odoo's own export) and zh_CN.po translates
every entry, none fuzzy. Prints one line per check and exits 1 on failure.
"""

import ast
import csv
import re
import sys
from pathlib import Path

import polib
from lxml import etree

REPO = Path(__file__).resolve().parent.parent
REQUIRED_KEYS = {
    "name",
    "version",
    "license",
    "author",
    "website",
    "category",
    "depends",
    "data",
    "installable",
}
LICENSES = {
    "AGPL-3",
    "GPL-2",
    "GPL-2 or any later version",
    "GPL-3",
    "GPL-3 or any later version",
    "LGPL-3",
}
XML_DIRS = ("views", "data", "security", "demo", "report", "wizards")
MODEL_DIRS = ("models", "wizards", "report")
TRANSLATED_ATTRIBUTES = ("string", "help", "placeholder", "title", "confirm")
TRANSLATION_CALLS = {"_", "_lt"}


class Failure(Exception):
    pass


def check_manifest(addon):
    manifest = ast.literal_eval((addon / "__manifest__.py").read_text())
    problems = [f"missing key {key!r}" for key in sorted(REQUIRED_KEYS - set(manifest))]
    if "description" in manifest:
        problems.append("deprecated key 'description' (use readme/DESCRIPTION.md)")
    if not re.fullmatch(r"18\.0\.\d+\.\d+\.\d+", manifest.get("version", "")):
        problems.append(f"version {manifest.get('version')!r} is not 18.0.x.y.z")
    if manifest.get("license") not in LICENSES:
        problems.append(f"license {manifest.get('license')!r} is not allowed")
    for key in ("data", "demo"):
        for name in manifest.get(key, []):
            if not (addon / name).is_file():
                problems.append(f"{key} file {name} does not exist")
    if problems:
        raise Failure("; ".join(problems))
    return manifest


def check_xml(addon, manifest):
    problems = []
    for path in sorted(addon.rglob("*.xml")):
        try:
            etree.parse(str(path))
        except etree.XMLSyntaxError as error:
            problems.append(f"{path.relative_to(addon)}: {error}")
    loaded = set(manifest.get("data", [])) | set(manifest.get("demo", []))
    for folder in XML_DIRS:
        for path in sorted((addon / folder).glob("*.xml")):
            name = str(path.relative_to(addon))
            if name not in loaded:
                problems.append(f"{name} is not loaded by the manifest")
    if problems:
        raise Failure("; ".join(problems))


def _defined_models(addon):
    """Models created (not only inherited) by the addon, abstract ones excluded."""
    models = set()
    for folder in MODEL_DIRS:
        for path in sorted((addon / folder).glob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                if not isinstance(node, ast.ClassDef):
                    continue
                bases = {ast.unparse(base) for base in node.bases}
                if "models.AbstractModel" in bases:
                    continue
                assigned = {
                    ast.unparse(statement.targets[0]): statement.value
                    for statement in node.body
                    if isinstance(statement, ast.Assign) and len(statement.targets) == 1
                }
                name = assigned.get("_name")
                if not isinstance(name, ast.Constant):
                    continue
                inherited = assigned.get("_inherit")
                inherited_names = (
                    {ast.literal_eval(inherited)}
                    if isinstance(inherited, ast.Constant)
                    else set(ast.literal_eval(inherited))
                    if isinstance(inherited, ast.List)
                    else set()
                )
                # `_name` repeated in `_inherit` extends a model (to add mixins)
                if name.value not in inherited_names:
                    models.add(name.value)
    return models


def check_access(addon):
    csv_path = addon / "security" / "ir.model.access.csv"
    if not csv_path.is_file():
        raise Failure("security/ir.model.access.csv is missing")
    with csv_path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    local_ids = set()
    for path in (addon / "security").glob("*.xml"):
        local_ids |= set(etree.parse(str(path)).xpath("//record/@id"))
    problems = []
    covered = set()
    for row in rows:
        model_ref = row["model_id:id"].split(".")[-1]
        covered.add(model_ref)
        group = row.get("group_id:id") or ""
        if group and "." not in group and group not in local_ids:
            problems.append(f"{row['id']}: unknown group {group}")
        for perm in ("perm_read", "perm_write", "perm_create", "perm_unlink"):
            if row[perm] not in ("0", "1"):
                problems.append(f"{row['id']}: {perm} must be 0 or 1")
    for model in sorted(_defined_models(addon)):
        if "model_" + model.replace(".", "_") not in covered:
            problems.append(f"model {model} has no access row")
    if problems:
        raise Failure("; ".join(problems))
    return len(rows)


def _python_strings(addon):
    """Literal strings Odoo exports from the addon's Python code."""
    strings = set()
    for path in sorted(addon.rglob("*.py")):
        if "tests" in path.relative_to(addon).parts:
            continue
        tree = ast.parse(path.read_text())
        constants = {
            target.id: node.value
            for node in tree.body
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Attribute):
                name = func.attr
            else:
                name = getattr(func, "id", "")
            first = node.args[0] if node.args else None
            if name in TRANSLATION_CALLS and isinstance(first, ast.Constant):
                if isinstance(first.value, str):
                    strings.add(first.value)
            owner = ast.unparse(func.value) if isinstance(func, ast.Attribute) else ""
            if owner != "fields":
                continue
            for keyword in node.keywords:
                if keyword.arg in ("string", "help") and isinstance(
                    keyword.value, ast.Constant
                ):
                    strings.add(keyword.value.value)
            selection = next(
                (kw.value for kw in node.keywords if kw.arg == "selection"),
                first if name == "Selection" else None,
            )
            if isinstance(selection, ast.Name):
                selection = constants.get(selection.id)
            if isinstance(selection, ast.List):
                for item in selection.elts:
                    if isinstance(item, ast.Tuple) and len(item.elts) == 2:
                        label = item.elts[1]
                        if isinstance(label, ast.Constant):
                            strings.add(label.value)
    return strings


def _xml_strings(addon):
    """Translatable attributes of views and the names of menus."""
    strings = set()
    for path in sorted(addon.rglob("*.xml")):
        root = etree.parse(str(path)).getroot()
        for menu in root.iter("menuitem"):
            if menu.get("name"):
                strings.add(menu.get("name"))
        for arch in root.xpath("//field[@name='arch']"):
            for element in arch.iter():
                if not isinstance(element.tag, str):
                    continue
                for attribute in TRANSLATED_ATTRIBUTES:
                    value = element.get(attribute)
                    if value:
                        strings.add(value)
    return {string for string in strings if re.search(r"[A-Za-z]", string)}


def check_translations(addon):
    i18n = addon / "i18n"
    pot_path = i18n / f"{addon.name}.pot"
    po_path = i18n / "zh_CN.po"
    problems = []
    if (i18n / "en.po").exists():
        problems.append("i18n/en.po must not be committed")
    if not pot_path.is_file() or not po_path.is_file():
        raise Failure(f"{pot_path.name} and zh_CN.po must both exist in i18n/")
    pot_ids = {entry.msgid for entry in polib.pofile(str(pot_path))}
    missing = sorted((_python_strings(addon) | _xml_strings(addon)) - pot_ids)
    if missing:
        problems.append(f"not in the .pot (re-export it): {missing}")
    po = polib.pofile(str(po_path))
    translated = {entry.msgid for entry in po if entry.msgstr and not entry.obsolete}
    untranslated = sorted(pot_ids - translated)
    if untranslated:
        problems.append(f"zh_CN.po does not translate: {untranslated}")
    fuzzy = sorted(entry.msgid for entry in po if "fuzzy" in entry.flags)
    if fuzzy:
        problems.append(f"zh_CN.po has fuzzy entries: {fuzzy}")
    if problems:
        raise Failure("; ".join(problems))
    return len(pot_ids)


CHECKS = {
    "manifest": lambda addon: (check_manifest(addon), "keys and files")[1],
    "xml": lambda addon: (
        check_xml(addon, check_manifest(addon)),
        "well-formed, every file loaded",
    )[1],
    "access": lambda addon: f"{check_access(addon)} rows cover every model",
    "translations": lambda addon: (
        f"{check_translations(addon)} strings, zh_CN complete"
    ),
}


def main(argv):
    addons = [REPO / name for name in argv] or sorted(
        path.parent for path in REPO.glob("*/__manifest__.py")
    )
    failed = False
    for addon in addons:
        for name, check in CHECKS.items():
            try:
                detail = check(addon)
            except (Failure, SyntaxError, ValueError) as failure:
                failed = True
                print(f"FAIL {addon.name} {name}: {failure}")
            else:
                print(f"ok   {addon.name} {name}: {detail}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
