#!/usr/bin/env python3
"""Signatures of a Faiss-style C API, and the check that ours keeps Faiss's.

The headers are run through the C preprocessor (with empty stand-ins for the
system headers, so that only the FAISS_DECLARE_* macros expand), then every
function declaration, enum and struct is written in one normalized form per
line: parameter names dropped, spacing fixed, `()` read as `(void)`.

  extract --cc CC DIR           print the records of the headers under DIR
  derive  --cc CC DIR OUT       write Faiss's records (DIR: Faiss's c_api/) to OUT
  check   --cc CC DIR --lib SO --faiss FILE [--nm NM]
        fails unless every function declared under DIR is defined and exported
        by SO, SO exports no faiss_ function that the headers do not declare,
        and every function, enum value and struct that DIR shares with FILE
        reads exactly as in FILE.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

STUB_HEADERS = ("stdint.h", "stddef.h", "stdio.h", "stdlib.h", "stdbool.h")

# Words that end a type rather than name a parameter ("const char", "unsigned int").
BUILTIN_WORDS = {
    "void", "char", "short", "int", "long", "float", "double", "signed",
    "unsigned", "_Bool", "const", "volatile", "restrict", "struct", "enum", "union",
}
QUALIFIER_WORDS = {"const", "volatile", "restrict", "struct", "enum", "union", "signed", "unsigned"}

TOKEN = re.compile(r"\.\.\.|\w+|\S")


def headers_under(root, gpu=False):
    """The C API headers below root; the GPU part (gpu/) only when asked, as
    only a GPU build defines its functions."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if gpu or d != "gpu")
        for name in sorted(filenames):
            if name.endswith("_c.h") or name == "faiss_c.h":
                found.append(os.path.join(dirpath, name))
    return found


def preprocess(cc, root, gpu=False):
    """The declarations of every header under root, macros expanded."""
    with tempfile.TemporaryDirectory() as tmp:
        for name in STUB_HEADERS:
            open(os.path.join(tmp, name), "w").close()
        unit = os.path.join(tmp, "all_headers.c")
        with open(unit, "w") as f:
            for header in headers_under(root, gpu):
                f.write('#include "%s"\n' % os.path.abspath(header))
        out = subprocess.run(
            [cc, "-E", "-P", "-nostdinc", "-I", tmp, unit],
            check=True, capture_output=True, text=True).stdout
    return out


def join_tokens(tokens):
    text = ""
    prev = None
    for tok in tokens:
        word = re.match(r"\w", tok) is not None
        if text and word and prev != "(" and not text.endswith(" "):
            text += " "
        elif text and tok == "(" and prev != "(":
            text += " "
        text += tok
        if tok == ",":
            text += " "
        prev = tok
    return text.strip()


def split_top_level(tokens, sep=","):
    parts, depth, cur = [], 0, []
    for tok in tokens:
        if tok == "(":
            depth += 1
        elif tok == ")":
            depth -= 1
        if tok == sep and depth == 0:
            parts.append(cur)
            cur = []
        else:
            cur.append(tok)
    parts.append(cur)
    return parts


def normalize_param(tokens):
    if "(" in tokens:
        # Function pointer: ret ( * name ) ( params )
        open1 = tokens.index("(")
        close1 = open1
        while tokens[close1] != ")":
            close1 += 1
        ret = join_tokens(tokens[:open1])
        inner = tokens[close1 + 2:-1]
        return "%s (*)(%s)" % (ret, normalize_params(inner))
    last = tokens[-1]
    before = tokens[:-1]
    named = (re.match(r"\w", last) and last not in BUILTIN_WORDS
             and any(t not in QUALIFIER_WORDS for t in before))
    return join_tokens(before if named else tokens)


def normalize_params(tokens):
    if not tokens or tokens == ["void"]:
        return "void"
    return ", ".join(normalize_param(p) for p in split_top_level(tokens))


def strip_bodies(text):
    """Replaces each top-level { ... } by a marker, returning the bodies too."""
    out, bodies, depth, start = [], [], 0, 0
    for i, ch in enumerate(text):
        if ch == "{":
            if depth == 0:
                out.append(text[start:i])
                start = i + 1
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                bodies.append(text[start:i])
                out.append(" @%d@ " % (len(bodies) - 1))
                start = i + 1
    out.append(text[start:])
    return "".join(out), bodies


def records(cc, root, gpu=False):
    """{key: normalized line} for the functions, enums and structs of the headers."""
    text, bodies = strip_bodies(preprocess(cc, root, gpu))
    # An inline function definition ends at its body, with no semicolon.
    text = re.sub(r"(\)\s*)@\d+@", r"\1;", text)
    found = {}
    for stmt in text.split(";"):
        stmt = " ".join(stmt.split())
        if not stmt:
            continue
        enum = re.match(r"typedef enum (\w+)? ?@(\d+)@ (\w+)$", stmt)
        if enum:
            value, items = -1, []
            for item in bodies[int(enum.group(2))].split(","):
                item = item.strip()
                if not item:
                    continue
                name, _, expr = item.partition("=")
                value = int(expr.strip(), 0) if expr.strip() else value + 1
                items.append("%s=%d" % (name.strip(), value))
            found["enum " + enum.group(3)] = "enum %s { %s }" % (enum.group(3), ", ".join(items))
            continue
        struct = re.match(r"typedef struct (\w+)? ?@(\d+)@ (\w+)$", stmt)
        if struct:
            fields = []
            for field in bodies[int(struct.group(2))].split(";"):
                toks = TOKEN.findall(field)
                if toks:
                    fields.append(join_tokens(toks))
            found["struct " + struct.group(3)] = "struct %s { %s; }" % (
                struct.group(3), "; ".join(fields))
            continue
        if stmt.startswith("typedef"):
            continue
        toks = TOKEN.findall(stmt)
        names = [i for i, t in enumerate(toks) if t.startswith("faiss_")
                 and i + 1 < len(toks) and toks[i + 1] == "("]
        if not names:
            continue
        i = names[0]
        ret = [t for t in toks[:i] if t not in ("inline", "extern", "static")]
        params = toks[i + 2:len(toks) - 1]
        found["function " + toks[i]] = "%s %s(%s)" % (
            join_tokens(ret), toks[i], normalize_params(params))
    return found


def read_records(path):
    found = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            m = re.match(r"(enum|struct) (\w+)", line)
            if m:
                found["%s %s" % (m.group(1), m.group(2))] = line
            else:
                name = re.search(r"\b(faiss_\w+)\(", line).group(1)
                found["function " + name] = line
    return found


def enum_values(line):
    return dict(item.split("=") for item in re.search(r"\{ (.*) \}", line).group(1).split(", "))


def exported_functions(nm, lib):
    out = subprocess.run([nm, "-D", "--defined-only", lib],
                         check=True, capture_output=True, text=True).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[1] in ("T", "W", "i"):
            names.add(parts[2].split("@")[0])
    return names


def check(args):
    ours = records(args.cc, args.dir, args.gpu)
    faiss = read_records(args.faiss)
    exported = exported_functions(args.nm, args.lib)
    errors = []

    declared = {k.split(" ", 1)[1] for k in ours if k.startswith("function ")}
    for name in sorted(declared - exported):
        errors.append("declared but not exported by %s: %s" % (os.path.basename(args.lib), name))
    for name in sorted(n for n in exported - declared if n.startswith("faiss_")):
        errors.append("exported but declared in no header: %s" % name)

    shared = 0
    for key in sorted(set(ours) & set(faiss)):
        shared += 1
        if key.startswith("enum "):
            theirs = enum_values(faiss[key])
            for name, value in enum_values(ours[key]).items():
                if theirs.get(name, value) != value:
                    errors.append("%s: %s=%s here, %s in Faiss" % (key, name, value, theirs[name]))
        elif ours[key] != faiss[key]:
            errors.append("differs from Faiss:\n  here:  %s\n  Faiss: %s" % (ours[key], faiss[key]))

    only_faiss = sorted(k for k in set(faiss) - set(ours))
    only_ours = sorted(k for k in set(ours) - set(faiss))
    print("%d declarations here, %d in Faiss, %d shared and compared; %d exported faiss_ functions"
          % (len(ours), len(faiss), shared, len([n for n in exported if n.startswith("faiss_")])))
    if args.verbose:
        print("faisslike only:\n  " + "\n  ".join(only_ours))
        print("Faiss only:\n  " + "\n  ".join(only_faiss))
    for e in errors:
        print("ERROR: " + e)
    return 1 if errors else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=("extract", "derive", "check"))
    parser.add_argument("dir", help="root of the C API headers")
    parser.add_argument("out", nargs="?", help="derive: the data file to write")
    parser.add_argument("--cc", default="cc")
    parser.add_argument("--lib")
    parser.add_argument("--faiss")
    parser.add_argument("--nm", default="nm")
    parser.add_argument("--source", default="", help="derive: where the headers came from")
    parser.add_argument("--gpu", action="store_true",
                        help="check: include the GPU part (gpu/), for a library built with it")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()

    if args.mode == "check":
        if not args.lib or not args.faiss:
            parser.error("check needs --lib and --faiss")
        return check(args)
    lines = sorted(records(args.cc, args.dir).values(),
                   key=lambda l: (not l.startswith(("enum", "struct")), l))
    if args.mode == "extract":
        print("\n".join(lines))
        return 0
    with open(args.out, "w") as f:
        f.write("# The declarations of Faiss's C API (c_api/*_c.h and c_api/impl/*_c.h, GPU part\n"
                "# excluded), one normalized record per line, derived by\n"
                "#   c_api_signatures.py derive --cc cc <faiss>/c_api %s\n"
                "# from %s.\n" % (os.path.basename(args.out), args.source or "Faiss's sources"))
        f.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
