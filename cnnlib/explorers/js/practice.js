// practice.js: the practise mode of every explorer (joined after grid.js, before explorer.js
// or the network explorer's files). Python (cnnlib/explorers/practice/) computed every
// question: its panels, the right answer, the answer of each catalogued mistake, the words
// after a right answer and the pointer for a wrong one; the trait `practice` holds them,
// deflated. Here: ask one at random, take clicks on cells (mouse, touch, or arrow keys and
// Enter/Space) or a typed number or a choice, compare, say right or name the mistake or
// point, and count "n of m right" per explorer in localStorage. Nothing is computed but
// the comparison (the same as cnnlib.explorers.practice._question.judge, word for word).

async function practiceDecode(b64) {
  const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
  const data = JSON.parse(await new Response(stream).text());
  const blob = (v) => data.blobs[v];
  for (const q of data.questions) {
    q.p = q.p.map((p) => ({ ...p, g: blob(p.g), ...("m" in p ? { m: blob(p.m) } : {}) }));
    for (const k of ["R", "C", "extra", "at"]) if (k in q.x) q.x[k] = blob(q.x[k]);
  }
  return data;
}

// a typed number as cnnlib.explorers.practice._question.parse_number reads it, or null
function practiceNumber(text) {
  const t = String(text).trim().replace(/[−–]/g, "-").replace(/,/g, ".").replace(/ /g, "");
  const m = /^([-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)(?:\/([-+]?(?:\d+\.?\d*|\.\d+)))?$/i.exec(t);
  if (!m) return null;
  let v = Number(m[1]);
  if (m[2] !== undefined) {
    const den = Number(m[2]);
    if (den === 0) return null;
    v /= den;
  }
  return v;
}

// [verdict, mistake keys, text (HTML)]: judge() of _question.py
function practiceJudge(q, given, mistakes) {
  let close;
  if (q.t === "number") {
    const v = practiceNumber(given);
    if (v === null) return ["unreadable", [], "Type a number, for example -3, 0.25 or 2/9."];
    close = (a) => Math.abs(v - a) <= q.tol;
  } else if (q.t === "cells") {
    const key = JSON.stringify([...new Set(given)].sort((a, b) => a - b));
    close = (a) => JSON.stringify(a) === key;
  } else {
    close = (a) => a === given;
  }
  if (close(q.a)) return ["right", [], "Right! " + q.w];
  for (const [answer, keys] of q.m) {
    if (!close(answer)) continue;
    const parts = keys.map((k) => `${mistakes[k][0]}: ${mistakes[k][1]}`);
    return ["mistake", keys, parts.length === 1
      ? "Not yet. This is what a known mistake gives, " + parts[0]
      : `Not yet. ${parts.length} known mistakes give this answer. ` +
        parts.map((p, k) => `(${k + 1}) ${p}`).join(" Or: ")];
  }
  if (q.t !== "cells") return ["unexplained", [], "Not yet. " + q.x.text];
  const extra = [...new Set(given)].sort((a, b) => a - b).filter((c) => !q.a.includes(c));
  if (!extra.length) return ["unexplained", [], "Not yet. " + q.x.missing];
  const r = Math.floor(extra[0] / q.nc), c = extra[0] % q.nc;
  const fill = q.x.extra[q.x.at[extra[0]]].replaceAll("{r}", r).replaceAll("{c}", c)
    .replaceAll("{R}", q.x.R[r] ?? "").replaceAll("{C}", q.x.C[c] ?? "");
  return ["unexplained", [], "Not yet. " + fill];
}

// "n of m right" per explorer, kept in localStorage where the page may (else in memory)
function practiceStore(name) {
  const key = `cnnlib-practice:${name}`;
  let storage = null;
  try {
    storage = globalThis.localStorage;
    storage.setItem(key + ":test", "1");
    storage.removeItem(key + ":test");
  } catch (err) {
    storage = null;
  }
  let mem = { right: 0, answered: 0 };
  const read = () => {
    if (!storage) return mem;
    try {
      const v = JSON.parse(storage.getItem(key) || "null");
      return v && Number.isFinite(v.right) && Number.isFinite(v.answered) ? v : { right: 0, answered: 0 };
    } catch (err) {
      return { right: 0, answered: 0 };
    }
  };
  const write = (v) => {
    mem = v;
    if (storage) try { storage.setItem(key, JSON.stringify(v)); } catch (err) { /* full */ }
  };
  return { read, write, kept: Boolean(storage) };
}

// the practise mode of one explorer: a mode switch at the top of `el` and the question box;
// `show(values)` brings the explorer to a question's setting ("show this in the explorer")
function attachPractice(model, el, show) {
  const bar = document.createElement("div");
  bar.className = "cnp-modes";
  bar.setAttribute("role", "group");
  bar.setAttribute("aria-label", "explore or practise");
  bar.innerHTML = `<button type="button" data-mode="explore" aria-pressed="true">Explore</button>` +
    `<button type="button" data-mode="practise" aria-pressed="false">Practise</button>`;
  const box = document.createElement("div");
  box.className = "cnp-box";
  box.hidden = true;
  box.innerHTML = `<div class="cnp-head"><span class="cnp-score" aria-live="polite"></span>` +
    `<button type="button" class="cnp-reset">reset</button><span class="cnp-kept"></span></div>` +
    `<div class="cnp-q"></div><div class="cnp-pics"></div><div class="cnp-answer"></div>` +
    `<div class="cnp-feedback" role="status" aria-live="polite"></div>` +
    `<div class="cnp-after"><button type="button" class="cnp-next">Next question</button>` +
    `<button type="button" class="cnp-show">Show this in the explorer</button></div>` +
    `<div class="cnp-sr" aria-live="polite"></div>`;
  el.prepend(bar);
  el.appendChild(box);
  const $ = (s) => box.querySelector(s);
  const [score, qBox, pics, answerBox, feedback, srBox] =
    [".cnp-score", ".cnp-q", ".cnp-pics", ".cnp-answer", ".cnp-feedback", ".cnp-sr"].map($);
  let data = null, store = null, q = null, qi = -1, order = [], counted = false;
  let picked = new Set(), cursor = [0, 0], target = null;
  bar.hidden = !model.get("practice");
  for (const kind of ["keydown", "mousedown", "pointerdown"]) {   // keys and presses stay here
    box.addEventListener(kind, (ev) => ev.stopPropagation());
  }

  function mode(practise) {
    el.classList.toggle("cnn-practising", practise);
    box.hidden = !practise;
    bar.querySelectorAll("button").forEach((b) =>
      b.setAttribute("aria-pressed", String((b.dataset.mode === "practise") === practise)));
    el.dataset.mode = practise ? "practise" : "explore";
    if (practise && !data) {
      qBox.textContent = "loading the questions…";
      practiceDecode(model.get("practice")).then((d) => {
        data = d;
        store = practiceStore(d.name);
        $(".cnp-kept").textContent = store.kept ? "" : " (not kept: this page cannot store it)";
        drawScore();
        ask();
      });
    }
  }
  bar.addEventListener("click", (ev) => {
    const b = ev.target.closest("button");
    if (b) mode(b.dataset.mode === "practise");
  });

  function drawScore() {
    const s = store.read();
    score.textContent = `${s.right} of ${s.answered} right`;
  }
  $(".cnp-reset").addEventListener("click", () => {
    store.write({ right: 0, answered: 0 });
    drawScore();
  });

  // the next question: at random, none twice before all were asked (or question k)
  function ask(k) {
    if (k === undefined) {
      if (!order.length) {
        order = data.questions.map((_, i) => i).filter((i) => i !== qi);
        for (let i = order.length - 1; i > 0; i--) {
          const j = Math.floor(Math.random() * (i + 1));
          [order[i], order[j]] = [order[j], order[i]];
        }
      }
      k = order.pop();
    }
    qi = k;
    q = data.questions[k];
    counted = false;
    picked = new Set();
    cursor = [0, 0];
    box.dataset.question = String(k);
    qBox.innerHTML = q.q;
    feedback.innerHTML = "";
    feedback.className = "cnp-feedback";
    drawPanels();
    drawAnswer();
  }

  function cellSize(grids) {
    const width = (pics.clientWidth || el.clientWidth || 360) - 4;
    const tallest = Math.max(...grids.map((g) => g.length));
    let cell = Math.min(40, Math.max(24, Math.floor(420 / tallest)));
    const wide = (c) => grids.reduce((s, g, i) => s + panelSize(g.length, g[0].length, c, q.p[i].t)[0] + 14, 0);
    while (cell > 24 && wide(cell) > width) cell -= 1;
    return cell;
  }

  function drawPanels() {
    const grids = q.p.map((p) => parseCells(p.g));
    const cell = cellSize(grids);
    pics.innerHTML = q.p.map((p, i) => {
      const svg = panelSVG(p, i, grids[i], p.m || [], false, cell);
      if (i !== q.tp) return svg;
      const [nr, nc] = [grids[i].length, grids[i][0].length];
      return `<div class="cnp-target" tabindex="0" role="group" aria-label="${esc(p.t)}: ` +
        `${nr} by ${nc} cells; arrow keys move, Enter or Space picks or unpicks a cell">${svg}</div>`;
    }).join("");
    target = pics.querySelector(".cnp-target");
    if (target) drawPicks();
  }

  function cellAt(r, c) {
    return target.querySelector(`rect.cnn-cell[data-r="${r}"][data-c="${c}"]`);
  }

  function drawPicks() {
    const svg = target.querySelector("svg");
    svg.querySelectorAll(".cnp-mark").forEach((e) => e.remove());
    let out = "";
    for (const k of [...picked, -1]) {
      const [r, c] = k < 0 ? cursor : [Math.floor(k / q.nc), k % q.nc];
      const rect = cellAt(r, c);
      if (!rect) continue;
      const [x, y, s] = ["x", "y", "width"].map((a) => Number(rect.getAttribute(a)));
      out += k < 0 ? `<rect class="cnp-mark cnp-cursor" x="${x + 1}" y="${y + 1}" width="${s - 2}" height="${s - 2}"/>`
        : `<rect class="cnp-mark cnp-pick" x="${x + 3}" y="${y + 3}" width="${s - 6}" height="${s - 6}"/>` +
          `<text class="cnp-mark cnp-tick" x="${x + s / 2}" y="${y + s / 2}">✓</text>`;
    }
    svg.insertAdjacentHTML("beforeend", out);
    const count = $(".cnp-count");
    if (count) count.textContent = `${picked.size} picked`;
    target.dataset.picked = JSON.stringify([...picked].sort((a, b) => a - b));
  }

  function say(r, c) {   // the cursor's cell, for a screen reader (the panel's own labels)
    const o = q.p[q.tp].o;
    srBox.textContent = `row ${r + o[0]}, column ${c + o[1]}: ` +
      `${picked.has(r * q.nc + c) ? "picked" : "not picked"}; ${picked.size} picked`;
  }

  function toggle(r, c) {
    const k = r * q.nc + c;
    if (picked.has(k)) picked.delete(k); else picked.add(k);
    cursor = [r, c];
    drawPicks();
    say(r, c);
  }

  pics.addEventListener("click", (ev) => {
    const rect = ev.target.closest(".cnp-target rect.cnn-cell");
    if (rect) toggle(Number(rect.dataset.r), Number(rect.dataset.c));
  });
  pics.addEventListener("keydown", (ev) => {
    if (!target || !ev.target.closest(".cnp-target")) return;
    const nr = q.p[q.tp].g.split(";").length;
    const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    if (ev.key in moves) {
      ev.preventDefault();
      cursor = [Math.min(Math.max(cursor[0] + moves[ev.key][0], 0), nr - 1),
        Math.min(Math.max(cursor[1] + moves[ev.key][1], 0), q.nc - 1)];
      drawPicks();
      say(...cursor);
    } else if (ev.key === "Enter" || ev.key === " ") {
      ev.preventDefault();
      toggle(...cursor);
    }
  });

  function drawAnswer() {
    if (q.t === "number") {
      answerBox.innerHTML = `<label>Your answer <input type="text" inputmode="decimal" ` +
        `autocomplete="off" class="cnp-input" size="8"></label>` +
        `<button type="button" class="cnp-check">Check</button>`;
      const input = answerBox.querySelector("input");
      input.addEventListener("keydown", (ev) => { if (ev.key === "Enter") check(input.value); });
      answerBox.querySelector(".cnp-check").addEventListener("click", () => check(input.value));
    } else if (q.t === "cells") {
      answerBox.innerHTML = `<span class="cnp-count">0 picked</span>` +
        `<button type="button" class="cnp-check">Check</button>` +
        `<button type="button" class="cnp-clear">Clear</button>`;
      answerBox.querySelector(".cnp-check").addEventListener("click", () => check([...picked]));
      answerBox.querySelector(".cnp-clear").addEventListener("click", () => {
        picked = new Set();
        drawPicks();
      });
    } else {
      answerBox.innerHTML = q.o.map((o, k) =>
        `<button type="button" class="cnp-option" data-k="${k}">${esc(o)}</button>`).join("");
    }
  }
  answerBox.addEventListener("click", (ev) => {
    const b = ev.target.closest(".cnp-option");
    if (b && q && q.t === "choice") check(Number(b.dataset.k));
  });

  function check(given) {
    const [verdict, keys, text] = practiceJudge(q, given, data.mistakes);
    feedback.innerHTML = text;
    feedback.className = `cnp-feedback cnp-${verdict}`;
    feedback.dataset.verdict = verdict;
    feedback.dataset.mistakes = keys.join(" ");
    if (verdict !== "unreadable" && !counted) {
      counted = true;
      const s = store.read();
      store.write({ right: s.right + (verdict === "right" ? 1 : 0), answered: s.answered + 1 });
      drawScore();
    }
  }

  $(".cnp-next").addEventListener("click", () => {
    ask();
    const first = box.querySelector(".cnp-target, .cnp-input, .cnp-option");
    if (first) first.focus();
  });
  $(".cnp-show").addEventListener("click", () => {
    if (!q) return;
    mode(false);
    show({ ...q.e });
  });
  const onPractice = () => { bar.hidden = !model.get("practice"); };
  model.on("change:practice", onPractice);
  // for the tests: ask question k, read what is shown
  el.cnnPractice = { ask: (k) => ask(k), mode, question: () => qi, judge: practiceJudge };
  return () => model.off("change:practice", onPractice);
}
