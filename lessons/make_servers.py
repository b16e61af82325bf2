"""Write every lesson's starter.py and solution.py from one template (server.template).

The course's server grows one lesson at a time; writing twelve copies by hand would let them
drift apart. `server.template` holds the server once, in blocks marked for the lessons they
belong to:

    #@ 5-        from lesson 5 on          #@ 2-4      lessons 2 to 4
    #@ 0-0       only before lesson 1      #@ todo 7   only in lesson 7's starter
    #@ end       back to every lesson

`solution.py` of lesson N is the template at version N; `starter.py` of lesson N is version N-1
plus lesson N's TODO blocks, so a learner starts each lesson from the previous solution (or
from their own server.py). Run it after editing the template:

    python3 lessons/make_servers.py           (rewrites the files)
    python3 lessons/make_servers.py --check   (exit 1 if a file is out of date; the tests do it)
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "server.template"
LAST = 12
MARKER = re.compile(r"#@ (?:(\d+)-(\d*)|todo (\d+)|end)\s*$")


def render(template: str, version: int, todo: int | None = None) -> str:
    """The template's lines that belong to `version` (and `todo`'s TODO blocks)."""
    out: list[str] = []
    keep = True
    for number, line in enumerate(template.splitlines(), 1):
        if line.startswith("#@"):
            marker = MARKER.fullmatch(line)
            if marker is None:
                raise ValueError(f"{TEMPLATE.name}:{number}: unknown marker {line!r}")
            low, high, todo_of = marker.groups()
            if todo_of is not None:
                keep = todo is not None and int(todo_of) == todo
            elif low is not None:
                keep = int(low) <= version <= (int(high) if high else LAST)
            else:
                keep = True
            continue
        if keep:
            out.append(line)
    text = "\n".join(out).strip("\n") + "\n"
    return re.sub(r"\n{4,}", "\n\n\n", text)


def lesson_folders() -> dict[int, Path]:
    folders = {}
    for entry in HERE.iterdir():
        matched = re.fullmatch(r"(\d{2})-[a-z0-9-]+", entry.name)
        if matched and entry.is_dir():
            folders[int(matched.group(1))] = entry
    return folders


def expected_files() -> dict[Path, str]:
    template = TEMPLATE.read_text(encoding="utf-8")
    files = {}
    for number, folder in sorted(lesson_folders().items()):
        if 1 <= number <= LAST:
            files[folder / "solution.py"] = render(template, number)
            files[folder / "starter.py"] = render(template, number - 1, todo=number)
    return files


def main(argv: list[str]) -> int:
    stale = []
    for path, text in expected_files().items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(path)
        if "--check" not in argv:
            path.write_text(text, encoding="utf-8")
    if "--check" in argv and stale:
        for path in stale:
            print(f"out of date: {path} (run python3 lessons/make_servers.py)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
