// explorer.js: the front end of every explorer (an anywidget ES module, no build step).
// Python (cnnlib) computed the view of every reachable control setting: the trait `table`
// holds them, deflate-compressed. Here: controls, the lookup of the current view, SVG
// drawing (grid.js, joined before this file), clicks; the practise mode (practice.js, joined
// before this file). Works with no kernel (static page).

const TABLES = new WeakMap();   // model -> {text, promise of the decoded table}

async function decodeTable(b64) {
  const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
  return JSON.parse(await new Response(stream).text());
}

function tableOf(model) {
  const text = model.get("table");
  let hit = TABLES.get(model);
  if (!hit || hit.text !== text) {
    hit = { text, promise: text ? decodeTable(text) : Promise.resolve(null) };
    TABLES.set(model, hit);
  }
  return hit.promise;
}

// input-to-paint times (ms) of this page, for benchmarks/explorer_latency.py and the tests
const LATENCY = (globalThis.cnnlibLatency = globalThis.cnnlibLatency || []);

function buildControl(c, onSet) {
  const row = document.createElement("div");
  row.className = `cnn-control cnn-${c.kind}`;
  row.dataset.name = c.name;
  const label = `<span class="cnn-label">${esc(c.label)}</span>`;
  if (c.kind === "toggle") {
    row.innerHTML = label + c.options.map(([text, v], k) =>
      `<button type="button" data-k="${k}">${esc(text)}</button>`).join("");
    row.addEventListener("click", (ev) => {
      const b = ev.target.closest("button");
      if (b) onSet({ [c.name]: c.options[Number(b.dataset.k)][1] }, ev.timeStamp);
    });
    return row;
  }
  row.innerHTML = label + `<input type="range" step="1" min="${c.min}" max="${c.max}" ` +
    `aria-label="${esc(c.label)}"><output></output><span class="cnn-one">one position</span>` +
    (c.kind === "play" ? `<button type="button" class="cnn-play-button" title="play">▶</button>` : "");
  const input = row.querySelector("input");
  input.addEventListener("input", (ev) => onSet({ [c.name]: Number(input.value) }, ev.timeStamp));
  return row;
}

function render({ model, el }) {
  const spec = model.get("spec");
  let values = { ...model.get("values") };
  let data = null, entry = null, playing = null, lastWidth = 0, timing = {}, pending = false;
  let drawn = [];   // the SVG source of each panel on screen
  let view = null;   // what is on screen: {panels, grids, cells}
  el.classList.add("cnn-explorer");
  el.dataset.explorer = spec.name;
  el.setAttribute("role", "region");
  el.setAttribute("aria-label", spec.name);
  el.innerHTML = `<div class="cnn-controls"></div><div class="cnn-tip"></div>` +
    `<div class="cnn-readout explorer-readout" aria-live="polite"></div>` +
    `<div class="cnn-picture"></div><div class="cnn-sr" aria-live="polite"></div>`;
  const [ctrlBox, tipBox, readBox, picBox, srBox] = el.children;
  const rows = {};
  for (const c of spec.controls) {
    rows[c.name] = buildControl(c, set);
    ctrlBox.appendChild(rows[c.name]);
  }
  // JupyterLab's notebook would take the arrow keys (and Enter, Space) as its own commands
  // (but Escape: the focus leaves the explorer, and the notebook takes the key back)
  el.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape") leave(el);
    else ev.stopPropagation();
  });

  const modeOf = (v) => (spec.mode ? v[spec.mode] : "");
  const limitsOf = (v) => data.limits[spec.geometry.map((n) => v[n]).join("|")] || {};

  function clamp(v) {
    const out = { ...v };
    for (const [name, hi] of Object.entries(limitsOf(out))) {
      out[name] = Math.min(Math.max(Math.round(out[name]), 0), hi);
    }
    return out;
  }

  // the model (Python in a kernel, other views, the saved state) learns the new values
  // after the frame is painted: the picture never waits for it
  function sync() {
    pending = false;
    if (JSON.stringify(model.get("values")) === JSON.stringify(values)) return;
    model.set("values", { ...values });
    model.save_changes();
  }

  function set(changes, t0) {
    if (!data) return;
    values = clamp({ ...values, ...changes });
    const t1 = performance.now();
    draw(t0);
    timing = { draw: performance.now() - t1 };
    if (!pending) {
      pending = true;
      requestAnimationFrame(() => setTimeout(sync, 0));
    }
  }

  // the cell size (px) of each panel: one size that fits all panels in one row of the
  // output's width, titles included, 24 px at least (then the panels wrap onto more rows);
  // a panel wider alone than the output gets smaller cells, down to what its numbers need
  function cellSizes(panels) {   // panels: [{nr, nc, t, need}]
    const width = (picBox.clientWidth || el.clientWidth || 900) - 4;
    const gaps = 14 * (panels.length - 1);
    const tallest = Math.max(...panels.map((q) => q.nr));
    const need = Math.max(...panels.map((q) => q.need));
    const wide = (q, cell) => panelSize(q.nr, q.nc, cell, q.t)[0];
    const total = (cell) => gaps + panels.reduce((sum, q) => sum + wide(q, cell), 0);
    let cell = Math.max(need, Math.min(56, Math.floor(480 / tallest)));
    while (cell > Math.max(24, need) && total(cell) > width) cell -= 1;
    return panels.map((q) => {
      let own = cell;
      while (own > q.need && wide(q, own) > width) own -= 1;
      return own;
    });
  }

  function drawControls() {
    const shown = new Set(spec.visible[modeOf(values)]);
    const lim = limitsOf(values);
    for (const c of spec.controls) {
      const row = rows[c.name];
      row.hidden = !shown.has(c.name);
      if (c.kind === "toggle") {
        row.querySelectorAll("button").forEach((b) => {
          const on = c.options[Number(b.dataset.k)][1] === values[c.name];
          b.classList.toggle("cnn-on", on);
          b.setAttribute("aria-pressed", on);
        });
        continue;
      }
      const input = row.querySelector("input");
      const hi = c.name in lim ? lim[c.name] : c.max;
      input.max = hi;
      input.value = values[c.name];
      row.querySelector("output").textContent = values[c.name];
      row.classList.toggle("cnn-single", hi <= c.min);   // range 0..0: "one position"
    }
  }

  function draw(t0) {
    if (!data) {
      readBox.textContent = "loading the explorer's numbers…";
      return;
    }
    const key = [...(spec.mode ? [values[spec.mode]] : []),
      ...spec.keys[modeOf(values)].map((n) => values[n])].join("|");
    entry = data.views[key];
    drawControls();
    if (!entry) {
      readBox.textContent = `no view for ${key}`;
      return;
    }
    const blobs = data.blobs;
    // a view that serves every position of two controls: their readout and outlines
    const patch = "x" in entry ? blobs[entry.x][values[entry.xb[0]]][values[entry.xb[1]]] : null;
    readBox.innerHTML = (patch ? patch.r : entry.r).map((i) => blobs[i]).join("");
    tipBox.textContent = blobs[entry.i];
    const grids = entry.p.map((p) => parseCells(blobs[p.g]));
    const cells = cellSizes(grids.map((g, i) => ({ nr: g.length, nc: g[0].length,
      t: entry.p[i].t, need: minCell(widestNumber(g)) })));
    lastWidth = picBox.clientWidth;
    const withSelected = (p) => ("x" in p ?   // outlines that follow two position controls
      { ...p, b: p.b.concat(blobs[p.x][values[p.xb[0]]][values[p.xb[1]]]) } : p);
    const shown = entry.p.map((p, i) => withSelected(patch ? { ...p, b: patch.b[i] } : p));
    const svgs = shown.map((p, i) => panelSVG(p, i, grids[i], "m" in p ? blobs[p.m] : [],
      "k" in p, cells[i]));
    const focused = keys.focused();
    view = { panels: shown, grids, cells };
    if (svgs.length !== drawn.length) {
      picBox.innerHTML = svgs.join("");
    } else {   // replace only the panels that changed (most moves change one or two)
      svgs.forEach((svg, i) => {
        if (svg !== drawn[i]) picBox.children[i].outerHTML = svg;
      });
    }
    drawn = svgs;
    if (focused) keys.refocus(focused);
    el.dataset.key = key;
    el.dataset.values = JSON.stringify(values);
    if (t0 !== undefined) {
      // the frame after this change is painted once the next animation frame has run
      requestAnimationFrame(() => setTimeout(() => {
        const ms = performance.now() - t0;
        LATENCY.push({ explorer: spec.name, key, ms, ...timing });
        el.dataset.latency = ms.toFixed(2);
      }, 0));
    }
  }

  // ------------------------------------------------ picking a cell: mouse or keyboard
  // a click on a cell, or Enter/Space on a focused panel (keyboardPicking, grid.js), sets
  // what the panel's pick table says for that cell
  function pick(i, r, c, t0) {
    const p = entry && entry.p[i];
    if (!p || !("k" in p)) return false;
    keys.aim(p.n, r, c);
    const target = data.blobs[p.k][r][c];
    if (target) set(target, t0);
    return Boolean(target);
  }

  picBox.addEventListener("click", (ev) => {
    const rect = ev.target.closest("rect.cnn-cell");
    const svg = ev.target.closest("svg.cnn-panel");
    if (!rect || !svg || !entry) return;
    pick(Number(svg.dataset.i), Number(rect.dataset.r), Number(rect.dataset.c), ev.timeStamp);
  });

  const keys = keyboardPicking({ el, picBox, srBox, view: () => view, pick,
    target: (i, r, c) => "k" in view.panels[i] && data.blobs[view.panels[i].k][r][c] });

  const play = el.querySelector(".cnn-play-button");
  if (play) {
    const name = play.closest(".cnn-control").dataset.name;
    play.addEventListener("click", () => {
      if (playing) {
        clearInterval(playing);
        playing = null;
        play.textContent = "▶";
        return;
      }
      play.textContent = "❚❚";
      if (values[name] >= limitsOf(values)[name]) set({ [name]: 0 });
      playing = setInterval(() => {
        if (values[name] >= limitsOf(values)[name]) play.click();
        else set({ [name]: values[name] + 1 }, performance.now());
      }, 800);
    });
  }

  const resized = new ResizeObserver(() => {
    if (entry && Math.abs(picBox.clientWidth - lastWidth) > 2) draw();
  });
  resized.observe(picBox);
  const onValues = () => {   // a change from Python or another view of this explorer
    const now = model.get("values");
    if (pending || JSON.stringify(now) === JSON.stringify(values)) return;
    values = { ...now };
    draw();
  };
  const load = () => tableOf(model).then((t) => {
    data = t;
    draw();
  });
  model.on("change:values", onValues);
  model.on("change:table", load);
  const practice = attachPractice(model, el, (v) => set(v, performance.now()));   // practice.js
  draw();
  load();
  return () => {
    practice();
    resized.disconnect();
    if (playing) clearInterval(playing);
    model.off("change:values", onValues);
    model.off("change:table", load);
  };
}

export default { render };
