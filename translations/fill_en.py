#!/usr/bin/env python3
"""Fills translations/danka_en.ts: the plural forms of English, the source language.

The file holds only the messages with %n (lupdate -pluralonly, see ui/CMakeLists.txt). Their source text
writes the plural as "(s)" ("%n token(s)"); the singular drops it and the plural spells it out: "1 token",
"2 tokens". Workflow: `cmake --build build --target update_translations`, then run this script.
"""
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

# Sources whose plural is not "(s)" -> "s": source -> [singular, plural].
IRREGULAR: dict[str, list[str]] = {}


def forms(source: str) -> list[str]:
    if source in IRREGULAR:
        return IRREGULAR[source]
    if "(s)" not in source:
        raise ValueError(f"no (s) in {source!r}: add it to IRREGULAR")
    return [source.replace("(s)", ""), source.replace("(s)", "s")]


def main() -> int:
    path = Path(__file__).with_name("danka_en.ts")
    tree = ET.parse(path)
    failed = 0
    for message in tree.getroot().iter("message"):
        if message.get("numerus") != "yes":
            continue
        source = message.find("source").text or ""
        translation = message.find("translation")
        try:
            singular, plural = forms(source)
        except ValueError as e:
            print(e, file=sys.stderr)
            failed += 1
            continue
        translation.attrib.pop("type", None)
        for child in list(translation):
            translation.remove(child)
        translation.text = None
        for form in (singular, plural):
            ET.SubElement(translation, "numerusform").text = form
    tree.write(path, encoding="utf-8", xml_declaration=True)
    text = path.read_text(encoding="utf-8")
    if "<!DOCTYPE TS>" not in text:
        path.write_text(text.replace("?>\n", "?>\n<!DOCTYPE TS>\n", 1), encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
