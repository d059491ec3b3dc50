// The course site's search page: typeset the math in the titles of the results
// (page titles such as "03 · The kernel gradient \(\partial E / \partial w\)") as
// Sphinx's search adds them. Loaded on search.html only (book/_ext/course_site.py).
(function () {
  var results = document.getElementById("search-results");
  if (!results) return;
  new MutationObserver(function () {
    var mj = window.MathJax;
    if (!mj || !mj.typesetPromise) return;
    var titles = [].slice.call(results.querySelectorAll("ul.search li > a:not([data-typeset])"));
    if (!titles.length) return;
    titles.forEach(function (a) { a.setAttribute("data-typeset", ""); });
    mj.startup.promise.then(function () { return mj.typesetPromise(titles); });
  }).observe(results, {childList: true, subtree: true});
})();
