"""A small Sphinx extension of the course site (listed in book/_config.yml).

- MathJax on every page, not only on pages with equations: the sidebar's page titles
  hold math (``03 · The kernel gradient ∂E/∂w``), and the search and index pages would
  show them as raw TeX.
- ``course.css`` on every page: the page uses the width of the right-hand column that
  ``_config.yml`` removes (the page's sections are in the left sidebar instead).
- On the search page, ``search-math.js`` typesets the titles of the results as Sphinx's
  search writes them in (their text excerpts stay plain text: they may cut a formula).
- The notebooks' raw HTML anchors (``<a id="flip-bookkeeping"></a>``) become MyST link
  targets, so ``[text](01_....ipynb#flip-bookkeeping)`` builds under ``--strict``.
"""
import re
from pathlib import Path

from docutils import nodes
from docutils.transforms import Transform

STATIC = Path(__file__).resolve().parent / "static"


def _static_path(app):
    app.config.html_static_path.append(str(STATIC))


def _search_page(app, pagename, templatename, context, doctree):
    if pagename == "search":
        app.add_js_file("search-math.js", defer="defer")


_ANCHOR = re.compile(r'<a\s+id="([A-Za-z][\w-]*)"')


class RawAnchors(Transform):
    """Register raw HTML anchors as MyST link targets (runs before MyST resolves anchors, 879)."""
    default_priority = 878

    def apply(self, **kwargs):
        slugs = getattr(self.document, "myst_slugs", None)
        if slugs is None:
            slugs = self.document.myst_slugs = {}
        for raw in self.document.findall(nodes.raw):
            for anchor in _ANCHOR.findall(raw.astext()):
                slugs.setdefault(anchor, (raw.line, anchor, anchor))
        env = self.document.settings.env
        if slugs and env is not None:
            env.metadata[env.docname]["myst_slugs"] = slugs


def setup(app):
    app.add_transform(RawAnchors)
    app.set_html_assets_policy("always")
    app.add_css_file("course.css")
    app.connect("builder-inited", _static_path)
    app.connect("html-page-context", _search_page)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
