// network_maps.js: the network explorer's pictures (joined after network_text.js, before
// network.js): one canvas per block of maps, forward and backward, the scores, the weight
// gradients, the outlines of a clicked unit and its units, the gradient norms; where the
// clicked unit's explanation goes (under the row of maps that was clicked); the keyboard
// cursor of a focused block. `ctx` is the explorer (network.js): its element, its current
// values, the key of its digit, `pick(stage, unit, t0)` and `say(text)`.

// write an attribute, a class or a text only when it changes: every DOM write makes the
// browser recompute styles, and in JupyterLab that is the largest part of a frame
const put = (node, key, value) => {
  if (node[key] !== value) node[key] = value;
};
const flag = (node, cls, on) => {
  if (node.classList.contains(cls) !== on) node.classList.toggle(cls, on);
};

function revealedStep(name) {   // the step at which the delta (or gradient) of `name` appears
  return name in GRAD_STEP ? GRAD_STEP[name] : REVEAL.indexOf(name);
}

// scroll `node`'s scrolling ancestors (JupyterLab's notebook, or the page) so that its
// top is back where it was, `before` (px from the top of the window)
function keepStill(node, before) {
  let moved = node.getBoundingClientRect().top - before;
  for (let n = node.parentElement; n && Math.abs(moved) > 0.5; n = n.parentElement) {
    const oy = getComputedStyle(n).overflowY;
    if (oy !== "auto" && oy !== "scroll") continue;
    n.scrollTop += moved;
    moved = node.getBoundingClientRect().top - before;
  }
  if (Math.abs(moved) > 0.5) window.scrollBy(0, moved);
}

function mapsView(ctx) {
  const mapsBox = ctx.$(".cnn-net-maps"), unitBox = ctx.$(".cnn-net-unit"), normBox = ctx.$(".cnn-net-norms");
  const stages = ctx.stages;
  const blocks = {};   // "dir:name" -> {maps: [{nr, nc, at, m, x0, y0}], name, dir, box, canvas, svg, ...}
  const cursors = {};  // "dir:name" -> [x, y] of the keyboard cursor, in cells of the block's canvas
  function buildBlocks() {
    normsKey = null;
    mapsBox.innerHTML = "";
    const k = ctx.cellK(), width = ctx.el.clientWidth || 900;
    // one canvas per block (its maps side by side, a cell of gap between them): fewer
    // canvases make each frame cheaper for the browser to put together
    const add = (parent, name, dir, cell, cols, title) => {
      const box = document.createElement("div");
      box.className = `cnn-block cnn-${dir}`;
      box.dataset.array = name;
      box.dataset.dir = dir;
      // ∂E/∂W fc: 250 columns of at least 2 px; on a narrow screen in 2 or 5 bands
      const bands = name === "fc1.w" ? [1, 2, 5].find((b) => (250 / b) * 2 + 40 <= width) || 5 : 1;
      const list = mapsOf(name, bands);
      const { nr, nc } = list[0];
      const rows = Math.ceil(list.length / cols), used = Math.min(cols, list.length);
      const W = used * nc + used - 1, H = rows * nr + rows - 1;
      const cw = name === "fc1.w" ? Math.max(2, Math.min(cell, Math.floor((width - 40) / W))) : cell;
      const label = `${TITLE[name] || title}, ${title}: arrow keys move, Enter picks a unit`;
      box.innerHTML = `<div class="cnn-block-title">${esc(title)}</div><div class="cnn-map" ` +
        `tabindex="0" role="group" aria-label="${esc(label)}">` +
        `<canvas width="${W}" height="${H}" style="width:${W * cw}px;height:${H * cell}px" ` +
        `data-nr="${nr}" data-nc="${nc}" data-cols="${used}" aria-hidden="true"></canvas>` +
        `<svg class="cnn-overlay" width="${W * cw}" height="${H * cell}"></svg>` +
        `<div class="cnn-kcursor" style="width:${cw}px;height:${cell}px"></div></div>`;
      const maps = list.map((m, i) => ({ ...m, m: i, x0: (i % cols) * (nc + 1), y0: Math.floor(i / cols) * (nr + 1) }));
      parent.appendChild(box);
      const [canvas, svg, kcursor] = box.lastChild.children;
      blocks[`${dir}:${name}`] = { maps, name, dir, box, canvas, svg, kcursor, W, H, cw, ch: cell, bands };
    };
    for (const s of stages) {
      const col = document.createElement("div");
      col.className = "cnn-stage";
      col.dataset.stage = s;
      col.innerHTML = `<div class="cnn-stage-title">${esc(TITLE[s])}</div>`;
      const [base, cols] = LOOK[s];
      add(col, s, "fwd", base * k, cols, "forward");
      add(col, s, "bwd", base * k, cols, "backward δ = ∂E/∂(its output)");
      mapsBox.appendChild(col);
    }
    const col = document.createElement("div");
    col.className = "cnn-stage cnn-scores";
    col.dataset.stage = "fc1";
    col.innerHTML = `<div class="cnn-stage-title">${esc(TITLE.fc1)}</div><svg class="cnn-vector" ` +
      `tabindex="0" role="group" aria-label="the scores, probabilities and deltas of the ten ` +
      `classes: arrow keys move, Enter picks a score"></svg>`;
    mapsBox.appendChild(col);
    const norms = document.createElement("div");   // beside the scores, where there is room
    norms.className = "cnn-stage cnn-norms";
    norms.dataset.stage = "norms";
    norms.appendChild(normBox);
    mapsBox.appendChild(norms);
    const grads = document.createElement("div");
    grads.className = "cnn-stage cnn-grads";
    grads.dataset.stage = "grads";
    grads.innerHTML = `<div class="cnn-stage-title">weight gradients ∂E/∂w (the last step of each layer)</div>`;
    const row = document.createElement("div");
    row.className = "cnn-grad-row";
    grads.appendChild(row);
    add(row, "conv1.w", "grad", 9 * k, 3, "∂E/∂w1 3@1x3x3");
    add(row, "conv1.b", "grad", 9 * k, 1, "∂E/∂b1");
    add(row, "conv2.w", "grad", 5 * k, 6, "∂E/∂w2 10@3x4x4 (a row: 2 filters x 3 channels)");
    add(row, "conv2.b", "grad", 9 * k, 1, "∂E/∂b2");
    add(row, "fc1.w", "grad", 6 * k, 1, "∂E/∂W fc 250x10 (a row per class)");
    add(row, "fc1.b", "grad", 9 * k, 1, "∂E/∂b fc");
    mapsBox.appendChild(grads);
    mapsBox.appendChild(unitBox);
    placed = null;
    scoresKey = null;
  }


  function paintBlocks(D) {
    for (const blk of Object.values(blocks)) {
      const { name, dir } = blk;
      const a = dir === "fwd" ? D.act[name] : dir === "bwd" ? D.del[name] : D.grads[name];
      const shown = dir === "fwd" || ctx.values().step >= revealedStep(name);
      // repaint only what changed: a step reveals or hides one or two blocks
      const painted = `${ctx.digitKey(ctx.values())}|${dir === "fwd" ? "" : D.target}|${shown}`;
      if (blk.painted === painted) continue;
      blk.painted = painted;
      blk.box.classList.toggle("cnn-hidden-step", !shown);
      const signed = dir !== "fwd" || LOOK[name][2] === 1;
      const [lo, hi] = scaleOf(a, signed);
      blk.scale = [lo, hi, signed];
      const g2d = blk.canvas.getContext("2d");
      const img = g2d.createImageData(blk.W, blk.H);
      img.data.fill(255);
      const px = img.data;
      for (let k = 0; k < blk.W * blk.H; k++) px.set(GAP, 4 * k);
      for (const m of blk.maps) {
        for (let r = 0; r < m.nr; r++) {
          for (let c = 0; c < m.nc; c++) {
            const rgb = shown ? rgbOf(a[m.at(m.m, r, c)], lo, hi, signed) : HIDDEN;
            const k = 4 * ((m.y0 + r) * blk.W + m.x0 + c);
            px[k] = rgb[0]; px[k + 1] = rgb[1]; px[k + 2] = rgb[2];
          }
        }
      }
      g2d.putImageData(img, 0, 0);
    }
    paintScores(D);
  }

  let scoresKey = null, scoresCursor = null;
  function paintScores(D) {
    const svg = ctx.$(".cnn-vector");
    const shown = ctx.values().step >= 1;
    const key = `${ctx.digitKey(ctx.values())}|${D.target}|${shown}`;
    if (key === scoresKey && svg.firstChild) return;
    scoresKey = key;
    const sc = D.act.fc1, p = D.p, d = D.del.fc1;
    const [slo, shi] = scaleOf(sc, true), [dlo, dhi] = scaleOf(d, true);
    const rows = [`<text x="2" y="12" class="cnn-vhead">k</text><text x="18" y="12" class="cnn-vhead">score</text>` +
      `<text x="70" y="12" class="cnn-vhead">p</text><text x="128" y="12" class="cnn-vhead">δ</text>`];
    for (let k = 0; k < 10; k++) {
      const y = 18 + k * 21;
      const c1 = rgbOf(sc[k], slo, shi, true), c3 = rgbOf(d[k], dlo, dhi, true);
      rows.push(`<g class="cnn-vrow" data-k="${k}"><rect class="cnn-vhit" x="0" y="${y}" width="182" height="20"/>` +
        `<text x="2" y="${y + 14}" class="${k === D.target ? "cnn-target" : ""}">${k}</text>` +
        `<rect class="cnn-vcell" x="16" y="${y + 1}" width="50" height="18" fill="rgb(${c1})"/>` +
        `<text x="41" y="${y + 14}" class="cnn-vnum" fill="${inkOn(c1)}">${fmt3(sc[k])}</text>` +
        `<rect x="68" y="${y + 3}" width="${Math.max(1, 50 * p[k])}" height="14" class="cnn-pbar"/>` +
        `<text x="70" y="${y + 14}" class="cnn-p">${fmtP(p[k])}</text>` +
        (shown ? `<rect class="cnn-vcell" x="126" y="${y + 1}" width="54" height="18" fill="rgb(${c3})"/>` +
          `<text x="153" y="${y + 14}" class="cnn-vnum" fill="${inkOn(c3)}">${fmt3(d[k])}</text>`
          : `<rect x="126" y="${y + 1}" width="54" height="18" fill="rgb(${HIDDEN})"/>`) +
        `<rect class="cnn-vsel" x="0.5" y="${y + 0.5}" width="181" height="19"/></g>`);
    }
    rows.push(`<text x="2" y="${18 + 10 * 21 + 14}">E = −ln p[${D.target}] = ${fmt3(D.b.loss)}</text>`);
    svg.setAttribute("width", 184);
    svg.setAttribute("height", 18 + 10 * 21 + 22);
    svg.innerHTML = rows.join("");
    if (scoresCursor !== null) scoreCursor(scoresCursor);
  }

  // ------------------------------------------------ the clicked unit
  let marked = [], lastUnit = null, placed = null;
  function mark(D, view) {
    for (const svg of marked) svg.innerHTML = "";
    marked = [];
    const boxes = new Map();   // svg -> [rect text]
    const put = (dir, name, flat, colour) => {
      if (name === "fc1" || name === "softmax" || name === "target") return;
      const blk = blocks[`${dir}:${name}`];
      if (!blk) return;
      const [m, r, c] = whereIs(name, flat, blk.bands);
      const map = blk.maps[m];
      if (!map) return;
      const list = boxes.get(blk.svg) || [];
      const a = `x="${(map.x0 + c) * blk.cw + 0.5}" y="${(map.y0 + r) * blk.ch + 0.5}" ` +
        `width="${Math.max(1, blk.cw - 1)}" height="${Math.max(1, blk.ch - 1)}"`;
      list.push([a, colour]);
      boxes.set(blk.svg, list);
    };
    const revealed = view.stage.includes(".") ? ctx.values().step >= GRAD_STEP[view.stage]
      : ctx.values().step >= revealedStep(view.stage);
    if (view.up) for (const t of view.up.terms) put("fwd", t[2], t[3], COLOURS.up);
    if (revealed) {
      if (view.sum) for (const t of view.sum.terms) if (t[0] * t[1] !== 0) put("bwd", t[2], t[3], COLOURS.sum);
      if (view.stage.includes(".") && view.sum) {   // a weight: the inputs it multiplied
        const src = view.stage.startsWith("conv1") ? "input" : "maxpool1";
        if (view.stage.endsWith(".w") && !view.stage.startsWith("fc1")) {
          const [f, c, m, q] = unravel(view.index, SHAPES[view.stage]);
          const [, H, W] = SHAPES[view.stage.split(".")[0]];
          for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) put("fwd", src, ravel([c, i + m, j + q], SHAPES[src]), COLOURS.up);
        } else if (view.stage === "fc1.w") put("fwd", "flatten1", unravel(view.index, SHAPES["fc1.w"])[0], COLOURS.up);
      }
      for (const t of view.down) put("bwd", t[0], t[1], COLOURS.down);
      if (view.grad) for (const t of view.grad) put("grad", t[0], t[1], COLOURS.down);
    }
    for (const dir of ["fwd", "bwd", "grad"]) put(dir, view.stage, view.index, COLOURS.sel);
    for (const [svg, list] of boxes) {
      // each outline over a white halo (visible on any cell); the halos first, all of them
      const many = list.length > 60;
      svg.innerHTML = (many ? "" : list.map(([a]) => `<rect class="cnn-halo" ${a}/>`).join("")) +
        list.map(([a, colour]) => `<rect ${a} stroke="${colour}"/>`).join("");
      svg.classList.toggle("cnn-many", many);
      marked.push(svg);
    }
    ctx.el.querySelectorAll(".cnn-vrow").forEach((g) => g.classList.toggle("cnn-on",
      view.stage === "fc1" && Number(g.dataset.k) === view.index));
    const text = unitHTML(view, revealed);
    placeUnit(view.stage, () => {
      if (lastUnit !== text) {
        unitBox.innerHTML = text;
        lastUnit = text;
      }
    });
  }

  // the explanation of the clicked unit goes right under the row of maps that holds it
  // (where the learner is looking); the clicked map does not move on the screen (when the
  // explanation leaves a row above it, or changes its height there, the page scrolls back)
  function placeUnit(stage, write) {
    const key = stage.includes(".") ? "grads" : stage;
    const col = mapsBox.querySelector(`.cnn-stage[data-stage="${key}"]`);
    if (!col) {
      write();
      return;
    }
    const before = col.getBoundingClientRect().top;
    write();
    const cols = [...mapsBox.children].filter((n) => n !== unitBox);
    let last = col;
    for (const n of cols.slice(cols.indexOf(col) + 1)) {
      if (n.offsetTop !== col.offsetTop) break;
      last = n;
    }
    if (placed !== last || unitBox.previousElementSibling !== last) {
      placed = last;
      last.after(unitBox);
    }
    keepStill(col, before);
  }

  // ------------------------------------------------ the keyboard: a cursor in a focused block
  function cellAt(blk, x, y) {   // the map and its cell at canvas cell (x, y), or null (a gap)
    const map = blk.maps.find((m) => x >= m.x0 && x < m.x0 + m.nc && y >= m.y0 && y < m.y0 + m.nr);
    return map ? { map, r: y - map.y0, c: x - map.x0 } : null;
  }

  function blockCursor(blk) {   // [x, y]: where it was, else on the selected unit, else 0, 0
    const key = `${blk.dir}:${blk.name}`, v = ctx.values();
    if (!cursors[key]) {
      cursors[key] = [0, 0];
      if (v.stage === blk.name) {
        const [m, r, c] = whereIs(blk.name, v.unit, blk.bands);
        const map = blk.maps[m];
        if (map) cursors[key] = [map.x0 + c, map.y0 + r];
      }
    }
    return cursors[key];
  }

  function showBlockCursor(blk) {
    const [x, y] = blockCursor(blk);
    blk.kcursor.style.transform = `translate(${x * blk.cw}px, ${y * blk.ch}px)`;
    const hit = cellAt(blk, x, y);
    if (hit) {
      const unit = hit.map.at(hit.map.m, hit.r, hit.c);
      ctx.say(`${TITLE[blk.name] || blk.name}, ${blk.dir === "fwd" ? "forward" : blk.dir === "bwd" ? "backward" : "gradient"}: ` +
        `${unitName(blk.name, unit)}${ctx.valueOf ? ` = ${ctx.valueOf(blk.dir, blk.name, unit)}` : ""}`);
    }
  }

  function moveBlockCursor(blk, dx, dy) {   // one cell (over the gap between two maps), or far
    let [x, y] = blockCursor(blk);
    for (let n = 0; n < 2; n++) {
      x = Math.min(Math.max(x + dx, 0), blk.W - 1);
      y = Math.min(Math.max(y + dy, 0), blk.H - 1);
      if (cellAt(blk, x, y)) break;
      dx = Math.sign(dx);   // a gap: one step further the same way
      dy = Math.sign(dy);
    }
    if (cellAt(blk, x, y)) cursors[`${blk.dir}:${blk.name}`] = [x, y];
    showBlockCursor(blk);
  }

  function scoreCursor(k) {
    scoresCursor = k;
    ctx.el.querySelectorAll(".cnn-vrow").forEach((g) => flag(g, "cnn-kfocus", Number(g.dataset.k) === k));
  }

  // arrows: one cell; Home/End: the first/last column, PageUp/PageDown: the first/last row
  const BIG = 1e4;
  const MOVES = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0],
    Home: [-BIG, 0], End: [BIG, 0], PageUp: [0, -BIG], PageDown: [0, BIG] };
  mapsBox.addEventListener("keydown", (ev) => {
    const move = MOVES[ev.key], enter = ev.key === "Enter" || ev.key === " ";
    if (!move && !enter) return;
    const vec = ev.target.closest(".cnn-vector");
    const mapEl = ev.target.closest(".cnn-map");
    if (!vec && !mapEl) return;
    ev.preventDefault();
    ctx.el.classList.add("cnn-keys");
    if (vec) {
      const k = scoresCursor === null ? (ctx.values().stage === "fc1" ? ctx.values().unit : 0) : scoresCursor;
      if (move) {
        scoreCursor(Math.min(Math.max(k + move[1] + move[0], 0), 9));
        ctx.say(`score ${scoresCursor}`);
      } else ctx.pick("fc1", k, ev.timeStamp);
      return;
    }
    const blkEl = mapEl.closest(".cnn-block");
    const blk = blocks[`${blkEl.dataset.dir}:${blkEl.dataset.array}`];
    if (move) moveBlockCursor(blk, move[0], move[1]);
    else {
      const [x, y] = blockCursor(blk);
      const hit = cellAt(blk, x, y);
      if (hit) ctx.pick(blk.name, hit.map.at(hit.map.m, hit.r, hit.c), ev.timeStamp);
    }
  });
  mapsBox.addEventListener("focusin", (ev) => {
    const mapEl = ev.target.closest && ev.target.closest(".cnn-map");
    if (mapEl) {
      const blkEl = mapEl.closest(".cnn-block");
      showBlockCursor(blocks[`${blkEl.dataset.dir}:${blkEl.dataset.array}`]);
    } else if (ev.target.closest && ev.target.closest(".cnn-vector")) {
      scoreCursor(scoresCursor === null ? (ctx.values().stage === "fc1" ? ctx.values().unit : 0) : scoresCursor);
    }
  });

  // ------------------------------------------------ per-layer gradient norms
  let normsKey = null;
  function paintNorms(D) {
    const n = D.b.norms, fn = D.b.filter_norms;
    const rows = [];
    for (const s of [...REVEAL.slice(1)]) rows.push([`δ ${s}`, n[`δ ${s}`], revealedStep(s)]);
    for (const w of ["fc1.w", "conv2.w", "conv1.w"]) rows.push([`∂E/∂${w}`, n[`∂E/∂${w}`], GRAD_STEP[w]]);
    fn["conv2.w"].forEach((v, f) => rows.push([`conv2 filter ${f}`, v, 5]));
    fn["conv1.w"].forEach((v, f) => rows.push([`conv1 filter ${f}`, v, 8]));
    const key = `${ctx.digitKey(ctx.values())}|${D.target}`;
    if (key !== normsKey) {   // the bars, once per digit and label
      normsKey = key;
      const big = Math.max(...rows.map((r) => r[1]), 1e-12);
      const lo = Math.log10(big) - 4;   // four decades
      const out = [`<text x="0" y="12" class="cnn-vhead">‖·‖ (L2 norm; bars on a log scale, 4 decades)</text>`];
      rows.forEach(([label, v], k) => {
        const y = 18 + k * 15;
        const len = v > 0 ? Math.max(1, 160 * (Math.log10(v) - lo) / 4) : 0;
        out.push(`<g data-k="${k}"><text x="0" y="${y + 10}">${esc(label)}</text>` +
          `<rect x="112" y="${y + 1}" width="${Math.max(0, len)}" height="11" class="${v > 0 ? "cnn-bar" : "cnn-dead"}"/>` +
          `<text x="${116 + Math.max(0, len)}" y="${y + 10}" class="cnn-norm ${v > 0 ? "" : "cnn-dead-text"}"></text></g>`);
      });
      const h = 24 + rows.length * 15;
      normBox.innerHTML = `<svg width="360" height="${h}" viewBox="0 0 360 ${h}" role="img" ` +
        `aria-label="the L2 norm of every layer's delta and weight gradient">${out.join("")}</svg>`;
    }
    normBox.querySelectorAll("g[data-k]").forEach((g) => {   // what this step has reached
      const [, v, at] = rows[Number(g.dataset.k)];
      const on = ctx.values().step >= at;
      flag(g, "cnn-faded", !on);
      put(g.querySelector(".cnn-norm"), "textContent",
        on ? fmt3(v) + (v > 0 ? "" : " (dead: no delta gets through)") : `step ${at}`);
    });
  }

  // a click puts the block's keyboard cursor on the clicked cell
  const aim = (blk, x, y) => { cursors[`${blk.dir}:${blk.name}`] = [x, y]; showBlockCursor(blk); };

  return { blocks, buildBlocks, paintBlocks, paintScores, paintNorms, mark, aim };
}
