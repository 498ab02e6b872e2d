#!/usr/bin/env python3
"""Derives the key tree a Go config struct accepts from its field tags (yaml or mapstructure), for test
data in test/fixtures/upstream/. Reads one Go file (stdin), prints JSON: nested objects for struct fields,
"leaf:<go type>" for scalars, "map:<go type>" for free-form maps. Facts only: no upstream code is copied.
usage: git show COMMIT:configuration/configuration.go | scripts/upstream/go-yaml-tree.py Configuration yaml"""
import json, re, sys

root, tagname = sys.argv[1], sys.argv[2]
src = sys.stdin.read()
structs = {}
for m in re.finditer(r"^type (\w+) struct \{\n(.*?)^\}", src, re.M | re.S):
    fields = []
    for line in m.group(2).split("\n"):
        line = line.split("//")[0].rstrip() if "`" not in line else line
        fm = re.match(r"^\s+(\w+)\s+([\w\.\*\[\]]+(?:\[[\w\.]+\][\w\.\*\[\]]+)?)\s*(`[^`]*`)?", line)
        if not fm:
            em = re.match(r"^\s+(\w+)\s*(`[^`]*`)?\s*$", line)  # embedded struct
            if em and em.group(1)[0].isupper():
                fields.append((None, em.group(1), em.group(2) or ""))
            continue
        fields.append((fm.group(1), fm.group(2), fm.group(3) or ""))
    structs[m.group(1)] = fields

def key_of(name, tag):
    t = re.search(tagname + r':"([^"]*)"', tag)
    if t:
        k = t.group(1).split(",")[0]
        if k == "-":
            return None
        if k:
            return k
        if ",squash" in t.group(1):
            return ""
    if tagname == "yaml":
        return name.lower()
    return name  # mapstructure: field name, matched case-insensitively

def tree(typ, seen=()):
    base = typ.lstrip("*")
    if base.startswith("[]"):
        inner = tree(base[2:], seen)
        return [inner]
    if base.startswith("map[") or base in ("http.Header",):  # named map types of the standard library
        return "map:" + base
    if base in structs and base not in seen:
        out = {}
        for name, ftyp, tag in structs[base]:
            if name is None:
                sub = tree(ftyp, seen + (base,))
                if isinstance(sub, dict):
                    out.update(sub)
                continue
            k = key_of(name, tag)
            if k is None:
                continue
            if k == "":
                sub = tree(ftyp, seen + (base,))
                if isinstance(sub, dict):
                    out.update(sub)
                continue
            out[k] = tree(ftyp, seen + (base,))
        return out
    return "leaf:" + base

print(json.dumps(tree(root), indent=2, sort_keys=True))
