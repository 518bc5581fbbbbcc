"""Bring quality_complaint/i18n_extra/<lang>.po in line with the installed
helpdesk addons it translates.

    python3 scripts/i18n_extra_update.py [--lang zh_CN] [--add translations.json]

helpdesk_mgmt, helpdesk_mgmt_rating and helpdesk_product ship no Simplified
Chinese. Odoo loads ``<addon>/i18n_extra/<lang>.po`` of every installed addon
with its ``i18n/`` files, and a PO entry names the record it translates by its
XML id, whatever the addon of the file: so our addon carries the translations
of their labels, views, menus, stages and mail templates (the database terms;
their Python strings cannot be translated from another addon, see README).

Every database term of their .pot files is kept with its existing
translation, terms they no longer have are dropped, the translations of the
JSON file ({msgid: msgstr}) are added. It prints the msgids still
untranslated (exit 1 when there are some).
"""

import argparse
import json
import sys
from pathlib import Path

import polib

REPO = Path(__file__).resolve().parent.parent
ADDON = REPO / "quality_complaint"
TRANSLATED_ADDONS = ("helpdesk_mgmt", "helpdesk_mgmt_rating", "helpdesk_product")


def find_pot(addon):
    """The .pot file of an installed addon (found on Odoo's addons path)."""
    import odoo.addons  # noqa: PLC0415 (Odoo is only needed here)

    for path in odoo.addons.__path__:
        pot = Path(path) / addon / "i18n" / f"{addon}.pot"
        if pot.is_file():
            return pot
    raise SystemExit(f"{addon}.pot not found on Odoo's addons path")


def database_entries(pot_path):
    """The entries of a .pot that Odoo stores in the database (model and
    model_terms occurrences), without their Python/JavaScript occurrences."""
    for entry in polib.pofile(str(pot_path)):
        occurrences = [
            (occurrence, line)
            for occurrence, line in entry.occurrences
            if not occurrence.startswith("code:")
        ]
        if occurrences:
            entry.occurrences = occurrences
            entry.flags = [f for f in entry.flags if not f.startswith("odoo-")]
            entry.comment = "\n".join(
                line
                for line in (entry.comment or "").splitlines()
                if line.startswith("module")
            )
            yield entry


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", default="zh_CN")
    parser.add_argument("--add", type=Path, help="JSON file of {msgid: msgstr}")
    args = parser.parse_args(argv)
    po_path = ADDON / "i18n_extra" / f"{args.lang}.po"
    known = {}
    if po_path.exists():
        known = {e.msgid: e.msgstr for e in polib.pofile(str(po_path)) if e.msgstr}
    if args.add:
        known.update(json.loads(args.add.read_text(encoding="utf-8")))
    new = polib.POFile(wrapwidth=78)
    new.metadata = {
        "Project-Id-Version": "quality_complaint: helpdesk addons",
        "Language": args.lang,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "",
        "Plural-Forms": "",
    }
    new.header = (
        "Translation of the database terms of "
        + ", ".join(TRANSLATED_ADDONS)
        + f" into {args.lang},\nloaded with quality_complaint "
        "(scripts/i18n_extra_update.py keeps it current)."
    )
    entries, modules = {}, {}
    for addon in TRANSLATED_ADDONS:
        for entry in database_entries(find_pot(addon)):
            # one entry per msgid: the occurrences of every addon
            if entry.msgid in entries:
                entries[entry.msgid].occurrences += entry.occurrences
                modules[entry.msgid].append(addon)
            else:
                entries[entry.msgid], modules[entry.msgid] = entry, [addon]
    missing = []
    # sorted, as oca-checks-po wants it
    for msgid, entry in sorted(entries.items()):
        names = modules[msgid]
        entry.comment = f"module{'s' if len(names) > 1 else ''}: {', '.join(names)}"
        entry.msgstr = known.get(msgid, "")
        if not entry.msgstr:
            missing.append(msgid)
        new.append(entry)
    po_path.parent.mkdir(exist_ok=True)
    new.save(str(po_path))
    print(
        f"{po_path.relative_to(REPO)}: {len(new)} entries, {len(missing)} untranslated"
    )
    for msgid in missing:
        print(f"  untranslated: {msgid!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
