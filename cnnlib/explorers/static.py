"""A static HTML page of an executed notebook whose explorers work offline, with no kernel.

nbconvert's HTML (lab template) draws saved widgets with the widget manager
``@jupyter-widgets/html-manager`` loaded by require.js, both from a CDN by
default. ``vendor(folder)`` puts local copies there instead: require.js and
html-manager from the npm registry (``npm pack``, cached in
``~/.cache/cnnlib-static``), and anywidget's AMD bundle from the installed
``anywidget`` Python package (the same file as npm's ``anywidget/dist/index.js``).
``static_html(notebook, out_dir)`` writes ``<name>.html`` beside a ``vendor/``
folder; the page then loads nothing from outside that folder. The explorers
need no MathJax; ``mathjax_url`` points at a local stub unless one is given.
Used by the browser tests and ``benchmarks/explorer_latency.py``.
"""
import shutil
import subprocess
import tarfile
from pathlib import Path

NPM = {"requirejs": "2.3.8", "@jupyter-widgets/html-manager": "1.0.15"}
CACHE = Path.home() / ".cache" / "cnnlib-static"


def _npm_tarball(name, version):
    CACHE.mkdir(parents=True, exist_ok=True)
    tgz = CACHE / f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"
    if not tgz.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("static pages need npm (Debian: apt-get install npm) to fetch "
                               f"{name}@{version} from the npm registry")
        subprocess.run([npm, "pack", "--silent", "--pack-destination", str(CACHE),
                        f"{name}@{version}"], check=True, capture_output=True, timeout=300)
    return tgz


def _extract(tgz, member_prefix, dest):
    """Extract the files ``package/<member_prefix>...`` of an npm tarball into the folder
    ``dest``, keeping their paths below ``member_prefix`` (a file: its own name)."""
    prefix = f"package/{member_prefix}"
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tgz) as tar:
        for m in tar.getmembers():
            if not (m.isfile() and m.name.startswith(prefix)):
                continue
            rel = m.name[len(prefix):].lstrip("/") or Path(m.name).name
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            with tar.extractfile(m) as src:
                target.write_bytes(src.read())


def vendor(folder):
    """Local copies of the scripts a static page with widgets needs, in ``folder``."""
    import anywidget

    folder = Path(folder)
    if not (folder / "require.js").exists():
        _extract(_npm_tarball("requirejs", NPM["requirejs"]), "require.js", folder)
    if not (folder / "html-manager" / "embed-amd.js").exists():
        _extract(_npm_tarball("@jupyter-widgets/html-manager", NPM["@jupyter-widgets/html-manager"]),
                 "dist", folder / "html-manager")
    amd = Path(anywidget.__file__).parent / "nbextension" / "index.js"
    shutil.copy(amd, folder / "anywidget.js")
    (folder / "mathjax-stub.js").write_text("// no MathJax: the explorers' pages need none\n")
    return folder


def static_html(notebook, out_dir, mathjax_url="vendor/mathjax-stub.js"):
    """Write ``out_dir/<notebook name>.html`` (and ``out_dir/vendor``); returns its path."""
    import nbformat
    from nbconvert import HTMLExporter

    out_dir = Path(out_dir)
    vendor(out_dir / "vendor")
    exporter = HTMLExporter(template_name="lab", require_js_url="vendor/require.js",
                            widget_renderer_url="vendor/html-manager/embed-amd.js",
                            mathjax_url=mathjax_url)
    body, _ = exporter.from_notebook_node(nbformat.read(str(notebook), as_version=4))
    config = ('<script>require.config({paths: {"anywidget": "vendor/anywidget", '
              '"@jupyter-widgets/html-manager/dist": "vendor/html-manager"}});</script>')
    tag = '<script src="vendor/require.js"></script>'
    if tag not in body:
        raise RuntimeError("nbconvert's page has no require.js script tag to configure")
    body = body.replace(tag, tag + config, 1)
    page = out_dir / (Path(notebook).stem + ".html")
    page.write_text(body, encoding="utf-8")
    return page
