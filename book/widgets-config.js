// The course site's require.js configuration: where the vendored widget modules are.
// A page loads, in this order: require.js, this file, embed-amd.js (the widget manager),
// each from the site's _vendor/ folder (book/build.py). Paths are taken relative to this
// file's own address, so a page at any depth works, over http and from file:// alike.
(function () {
  var me = document.currentScript;
  var base = me.src.slice(0, me.src.lastIndexOf("/") + 1);  // .../_vendor/
  window.require.config({
    paths: {
      // anywidget's AMD front end (the explorers' own ES modules are in the widget state)
      "anywidget": base + "anywidget/dist/index",
      // The widget manager's modules (defined by embed-amd.js, never fetched by these names)
      // take the folder of their address as the place of its icon fonts (webpack's public
      // path): both names must lead to html-manager/dist/
      "@jupyter-widgets/html-manager/dist": base + "html-manager/dist",
      "@jupyter-widgets/html-manager": base + "html-manager/dist/html-manager"
    }
  });
  // A widget module that is not vendored is looked up under "<cdn><name>@<version>/dist/".
  // Point that at a folder of the site that does not exist: it fails here, offline, and is
  // never fetched from a CDN (the manager reads this attribute from any script tag).
  me.setAttribute("data-jupyter-widgets-cdn", base + "not-vendored/");

  // The widgets typeset their labels with MathJax 2's MathJax.Hub.Queue; the site has
  // MathJax 3 (Sphinx's), which has no Hub: without this every label throws. Installed
  // on "load", before the manager (whose load listener is added after this one) draws.
  window.addEventListener("load", function () {
    var mj = window.MathJax;
    if (!mj || mj.Hub || !mj.typesetPromise) return;
    mj.Hub = {
      Queue: function (command) {  // ["Typeset", Hub, element]
        var element = command && command[2];
        if (element) mj.startup.promise.then(function () { return mj.typesetPromise([element]); });
      }
    };
  });
})();
