#!/usr/bin/python3
"""A strict checker of Prometheus' text exposition format (0.0.4), as
node_exporter's textfile collector and Prometheus itself parse it, plus the
conventions ksbpf keeps: every family has # HELP and # TYPE before its
samples, counters (and only counters) end in _total, no series twice, a
family's samples together.

prom_check.py FILE   exit 0 and "ok: N families, M samples", or 1 and why
prom_check.py --self-test   feeds it broken inputs: each must be refused
"""
import math
import re
import sys

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\Z")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"')
TYPES = {"counter", "gauge", "untyped", "summary", "histogram"}


class Bad(Exception):
    pass


def parse_labels(text, lineno):
    labels, pos = {}, 0
    while pos < len(text):
        m = LABEL.match(text, pos)
        if not m:
            raise Bad(f"line {lineno}: bad label at {text[pos:]!r}")
        if m.group(1) in labels:
            raise Bad(f"line {lineno}: label {m.group(1)} twice")
        labels[m.group(1)] = m.group(2)
        pos = m.end()
        if pos < len(text):
            if text[pos] != "," or pos + 1 == len(text):
                raise Bad(f"line {lineno}: expected ',' and a label at {text[pos:]!r}")
            pos += 1
    return tuple(sorted(labels.items()))


def parse_value(text, lineno):
    if text in ("+Inf", "-Inf", "NaN"):
        return math.nan
    try:
        return float(text)
    except ValueError:
        raise Bad(f"line {lineno}: bad value {text!r}")


def check(text):
    if text and not text.endswith("\n"):
        raise Bad("the last line has no newline")
    helps, types, seen, done = {}, {}, set(), set()
    current, samples = None, 0
    for lineno, line in enumerate(text.split("\n")[:-1], 1):
        if not line.strip():
            raise Bad(f"line {lineno}: empty line")
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) < 3 or parts[1] not in ("HELP", "TYPE"):
                raise Bad(f"line {lineno}: a comment that is neither HELP nor TYPE")
            name = parts[2]
            if not NAME.match(name):
                raise Bad(f"line {lineno}: bad metric name {name!r}")
            if name in done or (current and name != current and name in helps):
                raise Bad(f"line {lineno}: family {name} not together")
            if current and current != name:
                done.add(current)
            current = name
            table = helps if parts[1] == "HELP" else types
            if name in table:
                raise Bad(f"line {lineno}: second # {parts[1]} for {name}")
            if len(parts) < 4 or not parts[3].strip():
                raise Bad(f"line {lineno}: # {parts[1]} {name} without text")
            table[name] = parts[3]
            if parts[1] == "TYPE":
                if parts[3] not in TYPES:
                    raise Bad(f"line {lineno}: unknown type {parts[3]!r}")
                if (parts[3] == "counter") != name.endswith("_total"):
                    raise Bad(f"line {lineno}: {name}: counters, and only "
                              "counters, end in _total")
            continue
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)( -?\d+)?\Z", line)
        if not m:
            raise Bad(f"line {lineno}: not a sample: {line!r}")
        name = m.group(1)
        if name != current or name not in helps or name not in types:
            raise Bad(f"line {lineno}: sample of {name} without its # HELP and "
                      "# TYPE just before")
        key = (name, parse_labels(m.group(2) or "", lineno))
        if key in seen:
            raise Bad(f"line {lineno}: series {line.split(' ')[0]} twice")
        seen.add(key)
        value = parse_value(m.group(3), lineno)
        if types[name] == "counter" and not value >= 0:
            raise Bad(f"line {lineno}: counter {name} is {value}")
        samples += 1
    for name in helps:
        if name not in types:
            raise Bad(f"{name}: # HELP without # TYPE")
    return len(types), samples


GOOD = """# HELP a_total A.
# TYPE a_total counter
a_total{x="1"} 3
a_total{x="2\\"q\\\\"} 4
# HELP b B.
# TYPE b gauge
b 1
"""

BROKEN = {
    "no HELP": "# TYPE a gauge\na 1\n",
    "no TYPE": "# HELP a A.\na 1\n",
    "counter without _total": "# HELP a A.\n# TYPE a counter\na 1\n",
    "gauge with _total": "# HELP a_total A.\n# TYPE a_total gauge\na_total 1\n",
    "duplicate series": GOOD + 'a_total{x="1"} 5\n',
    "family split": GOOD + '# HELP a_total A.\n# TYPE a_total counter\n',
    "bad label quote": '# HELP a A.\n# TYPE a gauge\na{x="1} 1\n',
    "bad escape": '# HELP a A.\n# TYPE a gauge\na{x="\\t"} 1\n',
    "bad value": "# HELP a A.\n# TYPE a gauge\na one\n",
    "negative counter": "# HELP a_total A.\n# TYPE a_total counter\na_total -1\n",
    "no final newline": "# HELP a A.\n# TYPE a gauge\na 1",
    "empty line": "# HELP a A.\n# TYPE a gauge\n\na 1\n",
    "bad name": "# HELP 1a A.\n# TYPE 1a gauge\n1a 1\n",
    "unknown type": "# HELP a A.\n# TYPE a gaugee\na 1\n",
    "trailing comma": '# HELP a A.\n# TYPE a gauge\na{x="1",} 1\n',
}


def self_test():
    failed = 0
    try:
        check(GOOD)
    except Bad as e:
        print(f"FAIL: the good sample is refused: {e}")
        failed += 1
    for what, text in BROKEN.items():
        try:
            check(text)
            print(f"FAIL: accepted: {what}")
            failed += 1
        except Bad:
            pass
    print(f"self-test: {len(BROKEN) + 1} cases, {failed} failed")
    return 1 if failed else 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    try:
        families, samples = check(open(sys.argv[1]).read())
    except Bad as e:
        print(f"{sys.argv[1]}: {e}")
        return 1
    print(f"ok: {families} families, {samples} samples")
    return 0


if __name__ == "__main__":
    sys.exit(main())
