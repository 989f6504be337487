#!/usr/bin/env python3
"""Lists the public items of genserver/src and whether their doc comment has a
code block ("example"), points to an example elsewhere ("see": "See the
example on [`Type`]"), or neither ("MISSING"): what still needs a runnable
example.

    bench/doc-examples.py              every item and its status
    bench/doc-examples.py --missing    only the items without either
    bench/doc-examples.py --summary    the counts

A scan of the sources, not of rustdoc's output (whose JSON form is
unstable): items in `pub` modules, inherent impls of public types and public
traits, without `#[doc(hidden)]`, `#[cfg(test)]` or `#[cfg(doctest)]`. It
does not see what macros generate (the `Error` enum of `crate_error!`, the
`#[gen_server]` clients), and a "see" link is taken on trust: the example it
names must use the item.
"""
import os
import re
import sys

ITEM = re.compile(
    r"^\s*(?P<vis>pub(\([^)]*\))?\s+)?(?:(?:async|const|unsafe|extern\s+\"C\")\s+)*"
    r"(?P<kind>fn|struct|enum|trait|type|const|static|mod|macro_rules!)\s*(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
)


def blank_comments_and_strings(text):
    """Replaces comments and the contents of string and char literals by
    spaces, keeping newlines, so that braces can be counted."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "r" and re.match(r'r#*"', text[i:]) and not (i and (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = re.match(r'r(#*)"', text[i:])
            close = '"' + m.group(1)
            j = text.find(close, i + len(m.group(0)))
            j = n if j < 0 else j + len(close)
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            j += 1
            out.append('"' + re.sub(r"[^\n]", " ", text[i + 1 : j - 1]) + '"')
            i = j
        elif c == "'":
            m = re.match(r"'(\\.|\\u\{[0-9a-fA-F]+\}|\\x..|[^\\'])'", text[i:])
            if m:
                out.append(" " * len(m.group(0)))
                i += len(m.group(0))
            else:  # a lifetime
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def impl_type(header):
    """The type an inherent impl is for, or None for a trait impl."""
    h = re.sub(r"\s+", " ", header).strip()
    h = re.sub(r"^unsafe ", "", h)
    h = h[len("impl"):]
    # drop the generics after `impl`
    if h.startswith("<"):
        depth = 0
        for k, ch in enumerate(h):
            depth += ch == "<"
            depth -= ch == ">"
            if depth == 0:
                h = h[k + 1 :]
                break
    h = re.split(r"\bwhere\b", h)[0]
    if re.search(r"\bfor\b", h):
        return None
    m = re.search(r"([A-Za-z_][A-Za-z0-9_]*)\s*(<|$)", h.strip())
    return m.group(1) if m else None


def block_kind(header, attrs_before):
    h = re.sub(r"\s+", " ", header).strip()
    # strip leading attributes
    h = re.sub(r"^(#!?\[[^\]]*\]\s*)+", "", h)
    if re.search(r"#\[cfg\(test\)\]", header) or re.search(r"#\[cfg\(test\)\]", attrs_before):
        return ("test", None)
    m = re.match(r"^(pub(\([^)]*\))? )?mod (\w+)$", h)
    if m:
        if m.group(3) == "tests":
            return ("test", None)
        return ("mod", m.group(1) is not None and m.group(2) is None)
    if re.match(r"^(unsafe )?impl\b", h):
        t = impl_type(h)
        return ("impl", t) if t else ("trait_impl", None)
    m = re.match(r"^(pub(\([^)]*\))? )?(unsafe )?trait (\w+)", h)
    if m:
        hidden = "doc(hidden)" in header
        return ("trait", (m.group(4), m.group(1) is not None and m.group(2) is None and not hidden))
    return ("other", None)


def doc_block(lines, idx):
    """The `///` lines and attributes right above line idx."""
    docs, attrs = [], []
    k = idx - 1
    while k >= 0:
        s = lines[k].strip()
        if s.startswith("///"):
            docs.append(s[3:])
        elif s.startswith("#[") or s.startswith("#!["):
            attrs.append(s)
        elif s.endswith(")]") or s.endswith("]") and not s.startswith("//"):
            # the tail of a multi-line attribute
            j = k
            while j >= 0 and not lines[j].strip().startswith("#["):
                j -= 1
            if j < 0:
                break
            attrs.append(" ".join(l.strip() for l in lines[j : k + 1]))
            k = j
        elif s.startswith("//") and not s.startswith("///"):
            pass  # plain comments between docs and the item
        else:
            break
        k -= 1
    docs.reverse()
    return docs, attrs


def scan(path):
    text = open(path).read()
    lines = text.split("\n")
    clean = blank_comments_and_strings(text).split("\n")
    stack = []  # (kind, data)
    pending = ""  # code since the last ; { }
    items = []
    for idx, cl in enumerate(clean):
        line = lines[idx]
        m = ITEM.match(cl)
        if m and not pending.strip().endswith("#["):
            kind, name = m.group("kind"), m.group("name")
            vis = (m.group("vis") or "").strip()
            enclosing = stack[-1] if stack else ("mod", True)
            ok = None
            if any(k in ("test", "other", "trait_impl") for k, _ in stack):
                ok = None
            elif any(k == "mod" and not d for k, d in stack):
                ok = None
            elif enclosing[0] == "mod":
                if vis == "pub" and kind not in ("mod", "macro_rules!"):
                    ok = ("", name, kind)
            elif enclosing[0] == "impl":
                if vis == "pub" and kind in ("fn", "const", "type"):
                    ok = (enclosing[1], name, "method" if kind == "fn" else kind)
            elif enclosing[0] == "trait":
                tname, public = enclosing[1]
                if public and kind in ("fn", "type", "const"):
                    ok = (tname, name, "trait " + ("method" if kind == "fn" else kind))
            if ok:
                docs, attrs = doc_block(lines, idx)
                hidden = any("doc(hidden)" in a or "cfg(doctest)" in a for a in attrs)
                if not hidden:
                    items.append((path, idx + 1, ok, docs, attrs))
        # braces
        for ch in cl:
            if ch == "{":
                attrs_before = ""
                stack.append(block_kind(pending, attrs_before))
                pending = ""
            elif ch == "}":
                if stack:
                    stack.pop()
                pending = ""
            elif ch == ";":
                pending = ""
            else:
                pending += ch
        pending += " "
    return items


def status(docs):
    if any(d.strip().startswith("```") for d in docs):
        return "example"
    text = " ".join(" ".join(d.split()) for d in docs)
    if re.search(r"\bexamples? (on|in) (the )?\[|\[[^\]]*\]\([^)]*\) and its example|example on \[", text):
        return "see"
    return "MISSING"


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    src = args[0] if args else os.path.join(os.path.dirname(__file__), "..", "genserver", "src")
    all_items = []
    for root, _, files in os.walk(src):
        for f in sorted(files):
            if f.endswith(".rs"):
                all_items += scan(os.path.join(root, f))
    # inherent impls of types that are not public themselves are not API
    public_types = {name for _, _, (owner, name, kind), _, _ in all_items if kind in ("struct", "enum", "trait", "type")}
    rows = []
    for path, line, (owner, name, kind), docs, _ in all_items:
        if owner and kind in ("method", "const", "type") and owner not in public_types:
            continue
        rows.append((os.path.relpath(path, src), line, (owner + "::" if owner else "") + name, kind, status(docs)))
    counts = {}
    for r in rows:
        counts[r[4]] = counts.get(r[4], 0) + 1
    if "--summary" not in sys.argv:
        for r in sorted(rows):
            if "--missing" in sys.argv and r[4] != "MISSING":
                continue
            print(f"{r[4]:8} {r[0]}:{r[1]:<5} {r[3]:13} {r[2]}")
    print(f"items: {len(rows)}  " + "  ".join(f"{k}: {v}" for k, v in sorted(counts.items())))


main()
