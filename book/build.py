"""Build the course website (``make site``): the committed executed notebooks -> ``site/``.

    python book/build.py [--out site] [--strict]

1. The pages: notebooks ``00``-``07`` in the order of the README's notebook map (its
   first row is the home page), then every ``notebooks/solutions/*.ipynb`` that exists,
   as a part of its own. A notebook in ``notebooks/`` that the map does not name is still
   built, after the mapped ones, with a warning (the site test fails on it).
2. A temporary source folder gets ``book/_config.yml``, a ``_toc.yml`` written from 1.,
   copies of the notebooks and ``_extra/_vendor/`` (``book/vendor.py``: require.js, the
   widget manager, anywidget's front end and MathJax, from the npm registry).
3. ``jupyter-book build`` renders it (``execute_notebooks: off``: nothing is executed),
   and the HTML replaces ``--out``, with a ``.nojekyll`` file so GitHub Pages serves the
   ``_static``/``_vendor`` folders.

``--strict`` fails on any Sphinx warning. Prints the time, the pages and the size.
"""
import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import vendor  # (book/vendor.py, beside this file)

NOTEBOOKS = ROOT / "notebooks"
README = ROOT / "README.md"
MARKER = ".course-site"  # written into the output folder: only such a folder is replaced


def readout_map(readme=README):
    """The notebook names of the README's notebook map ("## The notebooks"), in order."""
    text = Path(readme).read_text(encoding="utf-8")
    section = re.search(r"^## The notebooks\n(.*?)(?=^## )", text, re.DOTALL | re.MULTILINE)
    if section is None:
        raise ValueError(f"{readme}: expected a '## The notebooks' section with the notebook map")
    names = re.findall(r"^\| `(\d\d_\w+)` \|", section.group(1), re.MULTILINE)
    if not names:
        raise ValueError(f"{readme}: the '## The notebooks' section has no map rows "
                         "(expected lines like '| `00_start_here` | ... |')")
    return names


def pages(notebooks=NOTEBOOKS, readme=README):
    """(course pages in map order, solutions pages in name order, warnings): docnames
    without the .ipynb suffix, solutions as ``solutions/<name>``."""
    present = sorted(p.stem for p in Path(notebooks).glob("[0-9][0-9]_*.ipynb"))
    mapped = readout_map(readme)
    warnings = [f"README's map names {n}, but notebooks/{n}.ipynb does not exist"
                for n in mapped if n not in present]
    course = [n for n in mapped if n in present]
    extra = [n for n in present if n not in mapped]
    warnings += [f"notebooks/{n}.ipynb is not in the README's notebook map; built after it"
                 for n in extra]
    solutions = sorted(f"solutions/{p.stem}" for p in (Path(notebooks) / "solutions").glob("*.ipynb"))
    if not course:
        raise ValueError(f"no notebook of the README's map exists in {notebooks}")
    return course + extra, solutions, warnings


def toc_yaml(course, solutions):
    """The Jupyter Book ``_toc.yml`` text: the first course page is the home page."""
    lines = ["format: jb-book", f"root: {course[0]}", "parts:",
             "  - caption: The course", "    chapters:"]
    lines += [f"      - file: {name}" for name in course[1:]]
    if solutions:
        lines += ["  - caption: Solutions", "    chapters:"]
        lines += [f"      - file: {name}" for name in solutions]
    return "\n".join(lines) + "\n"


def stage(src, notebooks=NOTEBOOKS, readme=README, cache=vendor.DEFAULT_CACHE):
    """Fill the source folder ``src``; returns (course, solutions, warnings)."""
    course, solutions, warnings = pages(notebooks, readme)
    src = Path(src)
    shutil.copy(HERE / "_config.yml", src / "_config.yml")
    shutil.copytree(HERE / "_ext", src / "_ext", ignore=shutil.ignore_patterns("__pycache__"))
    (src / "_toc.yml").write_text(toc_yaml(course, solutions))
    for name in course + solutions:
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(Path(notebooks) / f"{name}.ipynb", src / f"{name}.ipynb")
    vendor.vendor(src / "_extra", cache)
    return course, solutions, warnings


def replace_output(html, out):
    """Move the built ``html`` folder to ``out``, replacing an earlier build only."""
    out = Path(out)
    if out.exists():
        if not (out / MARKER).exists() and any(out.iterdir()):
            raise ValueError(f"{out} exists and is not a course site built here (no {MARKER} "
                             "file in it): refusing to replace it; remove it or pick --out")
        shutil.rmtree(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(html), str(out))
    (out / MARKER).write_text("built by book/build.py; `make site` replaces this folder\n")
    (out / ".nojekyll").write_text("")  # GitHub Pages: serve _static/, _vendor/ as they are


def build(out=ROOT / "site", strict=False, notebooks=NOTEBOOKS, readme=README,
          cache=vendor.DEFAULT_CACHE, quiet=False):
    """Build the site into ``out``; returns a summary dict (pages, warnings, seconds, MB)."""
    start = time.monotonic()
    jb = Path(sys.executable).with_name("jupyter-book")
    if not jb.exists():
        raise RuntimeError(f"{jb} not found: the site needs Jupyter Book 1 "
                           "(pip install -e '.[site]', which `make site` does)")
    with tempfile.TemporaryDirectory(prefix="course-site-") as tmp:
        src, work = Path(tmp) / "src", Path(tmp) / "work"
        src.mkdir()
        course, solutions, warnings = stage(src, notebooks, readme, cache)
        cmd = [str(jb), "build", str(src), "--path-output", str(work), "--all"]
        if strict:
            cmd += ["-W", "--keep-going"]
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        log = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)  # no colours
        sphinx_warnings = [line.replace(str(src) + "/", "") for line in log.splitlines()
                           if "WARNING:" in line or "ERROR:" in line]
        if result.returncode != 0:
            raise RuntimeError(f"jupyter-book build failed ({result.returncode})"
                               + ("; Sphinx said:\n  " + "\n  ".join(sphinx_warnings)
                                  if sphinx_warnings else f":\n{log[-6000:]}"))
        replace_output(work / "_build" / "html", out)
    files = [f for f in Path(out).rglob("*") if f.is_file()]
    summary = {
        "out": str(out), "pages": course + solutions, "warnings": warnings + sphinx_warnings,
        "executed": [line for line in log.splitlines() if "Executing" in line],
        "execution_mode": re.findall(r"execution_mode='(\w+)'", log),
        "seconds": round(time.monotonic() - start, 1),
        "MB": round(sum(f.stat().st_size for f in files) / 1e6, 1), "files": len(files),
    }
    if not quiet:
        for w in summary["warnings"]:
            print("warning:", w)
        print(f"site: {len(course)} course pages and {len(solutions)} solutions pages in "
              f"{summary['seconds']} s -> {out}/ ({summary['MB']} MB, {summary['files']} files)")
        print(f"open {out}/index.html, or serve it: python -m http.server -d {out}")
    return summary


def main(argv=None):
    parser = argparse.ArgumentParser(description="Build the course website from the "
                                                 "committed executed notebooks.")
    parser.add_argument("--out", default=str(ROOT / "site"), help="output folder (default: site/)")
    parser.add_argument("--strict", action="store_true", help="fail on any Sphinx warning")
    args = parser.parse_args(argv)
    try:
        build(Path(args.out).resolve(), strict=args.strict)
    except (RuntimeError, ValueError) as err:
        sys.exit(f"make site: {err}")


if __name__ == "__main__":
    main()
