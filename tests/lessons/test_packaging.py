"""The lessons and transcripts ship in the wheel and are found the same way in both installs."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from httplab.lessons import catalog

ROOT = Path(__file__).resolve().parents[2]


def test_a_clone_reads_the_top_level_folders() -> None:
    assert catalog.lessons_dir() == ROOT / "lessons"
    assert catalog.transcripts_dir() == ROOT / "transcripts"


def test_an_installed_package_reads_its_own_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "site-packages" / "httplab"
    (package / "_data" / "lessons").mkdir(parents=True)
    monkeypatch.setattr(catalog, "_PACKAGE", package)
    assert catalog.lessons_dir() == package / "_data" / "lessons"


def test_the_wheel_carries_lessons_and_transcripts(tmp_path: Path) -> None:
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if built.returncode != 0:
        pytest.skip(f"cannot build a wheel here (no hatchling?): {built.stderr[-300:]}")
    (wheel,) = tmp_path.glob("httplab-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for lesson in (ROOT / "lessons").glob("[0-9][0-9]-*"):
        for file in ("lesson.md", "lesson.ru.md", "steps.toml", "walkthrough.txt"):
            assert f"httplab/_data/lessons/{lesson.name}/{file}" in names
    assert "httplab/_data/lessons/README.md" in names
    assert "httplab/_data/transcripts/users.transcript" in names
    assert "httplab/render/explain.toml" in names  # the field explanations (render/explain.py)
