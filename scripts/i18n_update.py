"""Bring an addon's translation files in line with its exported .pot.

    python3 scripts/i18n_update.py [--addon quality_complaint] [--lang zh_CN]
        [--add translations.json]

Every entry of the .pot is kept with its existing translation (matched by
msgctxt and msgid, so moved code keeps its translation), entries no longer in
the .pot are dropped, and the translations of the JSON file ({msgid: msgstr})
are added. It prints the msgids still untranslated (exit 1 when there are
some), so the translator knows what is left. Export the .pot first (see
README, Development).
"""

import argparse
import json
import sys
from pathlib import Path

import polib

REPO = Path(__file__).resolve().parent.parent


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--addon", default="quality_complaint")
    parser.add_argument("--lang", default="zh_CN")
    parser.add_argument("--add", type=Path, help="JSON file of {msgid: msgstr}")
    args = parser.parse_args(argv)
    i18n = REPO / args.addon / "i18n"
    pot = polib.pofile(str(i18n / f"{args.addon}.pot"))
    po_path = i18n / f"{args.lang}.po"
    old = polib.pofile(str(po_path))
    known = {(e.msgctxt, e.msgid): e.msgstr for e in old if e.msgstr}
    by_msgid = {e.msgid: e.msgstr for e in old if e.msgstr}
    added = json.loads(args.add.read_text(encoding="utf-8")) if args.add else {}
    new = polib.POFile(wrapwidth=old.wrapwidth)
    new.header = old.header
    new.metadata = dict(old.metadata)
    new.metadata["POT-Creation-Date"] = pot.metadata.get("POT-Creation-Date", "")
    missing = []
    for entry in pot:
        translation = (
            added.get(entry.msgid)
            or known.get((entry.msgctxt, entry.msgid))
            or by_msgid.get(entry.msgid, "")
        )
        new.append(
            polib.POEntry(
                msgid=entry.msgid,
                msgctxt=entry.msgctxt,
                msgstr=translation,
                occurrences=entry.occurrences,
                comment=entry.comment,
                tcomment=entry.tcomment,
                flags=[flag for flag in entry.flags if flag != "fuzzy"],
            )
        )
        if not translation:
            missing.append(entry.msgid)
    new.save(str(po_path))
    for msgid in missing:
        print(json.dumps(msgid, ensure_ascii=False))
    print(f"{po_path.relative_to(REPO)}: {len(new)} entries, {len(missing)} missing")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
