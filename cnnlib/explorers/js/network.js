// network.js: the network explorer's front end (an anywidget ES module; grid.js is joined
// before it). Python (cnnlib) computed every array: the trait `table` holds the precomputed
// digits (float32, deflated: cnnlib/explorers/network_data.py); with a kernel, Python sends
// other digits as custom messages in the same format. Here: the maps (canvas), the step
// mode, clicks, and the view of one unit: its sums are computed from the stored arrays in
// float64, term by term in the order of cnnlib/explorers/network_units.py (a browser test
// checks that both give the same numbers), and written with fmt3 (= Python's '.3g').

const NET_LATENCY = (globalThis.cnnlibLatency = globalThis.cnnlibLatency || []);
const SHAPES = { input: [1, 28, 28], conv1: [3, 26, 26], relu1: [3, 26, 26], maxpool1: [3, 13, 13],
  conv2: [10, 10, 10], relu2: [10, 10, 10], maxpool2: [10, 5, 5], flatten1: [250], fc1: [10],
  "conv1.w": [3, 1, 3, 3], "conv1.b": [3], "conv2.w": [10, 3, 4, 4], "conv2.b": [10],
  "fc1.w": [250, 10], "fc1.b": [10] };
const REVEAL = [null, "fc1", "flatten1", "maxpool2", "relu2", "conv2", "maxpool1", "relu1", "conv1",
  "input"];
const GRAD_STEP = { "fc1.w": 2, "fc1.b": 2, "conv2.w": 5, "conv2.b": 5, "conv1.w": 8, "conv1.b": 8 };
const TITLE = { input: "input x 1@28x28", conv1: "conv1 3@26x26", relu1: "relu1", maxpool1:
  "maxpool1 3@13x13", conv2: "conv2 10@10x10", relu2: "relu2", maxpool2: "maxpool2 10@5x5",
  flatten1: "flatten 250 (a row per channel)", fc1: "scores, softmax" };
// per stage: base cell size (px at 1000 px of width), map columns, forward colours signed?
const LOOK = { input: [5, 1, 0], conv1: [3.4, 3, 1], relu1: [3.4, 3, 0], maxpool1: [5.5, 3, 0],
  conv2: [4.2, 5, 1], relu2: [4.2, 5, 0], maxpool2: [7, 5, 0], flatten1: [4.6, 1, 0] };
const GAP = [205, 205, 205, 255], HIDDEN = [228, 228, 228];   // between maps; a later step
const COLOURS = { sel: "#ff7f0e", up: "#2ca02c", down: "#1f6fb4", sum: "#9467bd" };

// ------------------------------------------------------------------ numbers as text
function fmt3(v) {   // Python's f"{v:.3g}" (round half to even on exact ties), "0" for ±0
  if (v === 0) return "0";
  const [mant, ex] = Math.abs(v).toExponential(25).split("e");
  let e = Number(ex);
  const digits = mant.replace(".", "");
  let head = Number(digits.slice(0, 3));
  const rest = digits.slice(3);
  const first = Number(rest[0]);
  if (first > 5 || (first === 5 && (/[1-9]/.test(rest.slice(1)) || head % 2 === 1))) head += 1;
  if (head === 1000) { head = 100; e += 1; }
  const d = String(head);
  let s;
  if (e >= -4 && e < 3) {
    if (e >= 2) s = d;
    else if (e >= 0) s = d.slice(0, e + 1) + "." + d.slice(e + 1);
    else s = "0." + "0".repeat(-e - 1) + d;
    if (s.includes(".")) s = s.replace(/0+$/, "").replace(/\.$/, "");
  } else {
    const m = (d[0] + "." + d.slice(1)).replace(/0+$/, "").replace(/\.$/, "");
    s = `${m}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  return (v < 0 ? "-" : "") + s;
}

// ------------------------------------------------------------------ the stored arrays
async function inflate(b64) {
  const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
  return await new Response(stream).arrayBuffer();
}

function unpackTable(raw) {   // 4-byte header length | header JSON | padding | float32 data
  const n = new DataView(raw).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(raw, 4, n)));
  const start = 4 + n + ((4 - ((4 + n) % 4)) % 4);
  return [header, new Float32Array(raw.slice(start))];
}

function views(data, offsets) {
  const out = {};
  for (const [name, [offset, shape]] of Object.entries(offsets)) {
    out[name] = data.subarray(offset, offset + shape.reduce((a, b) => a * b, 1));
  }
  return out;
}

function addDigits(store, header, data) {
  if (header.weights) store.weights = views(data, header.weights);
  for (const d of header.digits) {
    const old = store.digits[d.key];
    const entry = old || { key: d.key, index: d.index, label: d.label, predicted: d.predicted,
      fwd: views(data, d.fwd), targets: {} };
    for (const [t, b] of Object.entries(d.targets)) {
      entry.targets[t] = { ...b, bwd: views(data, b.off) };
    }
    store.digits[d.key] = entry;
  }
}

// ------------------------------------------------------------------ one unit's sums
const unravel = (flat, shape) => {
  const idx = [];
  for (let k = shape.length - 1; k >= 0; k--) {
    idx.unshift(flat % shape[k]);
    flat = Math.floor(flat / shape[k]);
  }
  return idx;
};
const ravel = (idx, shape) => idx.reduce((acc, v, k) => acc * shape[k] + v, 0);
const sumOf = (terms, start = 0) => terms.reduce((acc, t) => acc + t[0] * t[1], start);

// the view of unit `index` of `stage` (or of a weight): the same dict as network_unit()
function unitView(D, stage, index) {
  const { act, del, w, p, target } = D;
  const at = (name, idx) => act[name][ravel(idx, SHAPES[name])];
  const dl = (name, idx) => del[name][ravel(idx, SHAPES[name])];
  if (stage in w) return weightView(D, stage, index);
  const idx = unravel(index, SHAPES[stage]);
  const view = { stage, index, value: act[stage][index], delta: del[stage][index], up: null, down: [] };
  const convOf = { conv1: ["input", "conv1.w", "conv1.b"], conv2: ["maxpool1", "conv2.w", "conv2.b"] };
  if (stage in convOf) {
    const [src, wn, bn] = convOf[stage];
    const [f, i, j] = idx, [, C, KH, KW] = SHAPES[wn];
    const terms = [], grad = [];
    for (let c = 0; c < C; c++) for (let m = 0; m < KH; m++) for (let q = 0; q < KW; q++) {
      const k = ravel([c, i + m, j + q], SHAPES[src]);
      terms.push([w[wn][ravel([f, c, m, q], SHAPES[wn])], act[src][k], src, k]);
      grad.push([wn, ravel([f, c, m, q], SHAPES[wn]), act[src][k]]);
    }
    view.up = { terms, bias: w[bn][f], total: sumOf(terms, w[bn][f]) };
    const relu = "relu" + stage.slice(-1);
    view.sum = { terms: [[act[stage][index] > 0 ? 1 : 0, del[relu][index], relu, index]] };
    const d = del[stage][index];
    view.down = terms.map((t) => [src, t[3], t[0], t[0] * d]);
    view.grad = grad.map(([n, k, x]) => [n, k, x, x * d]);
  } else if (stage === "relu1" || stage === "relu2") {
    const conv = "conv" + stage.slice(-1), pool = "maxpool" + stage.slice(-1);
    const z = act[conv][index];
    view.up = { terms: [[1, z, conv, index]], bias: 0, total: Math.max(0, z) };
    const [c, i, j] = idx;
    const pk = ravel([c, Math.floor(i / 2), Math.floor(j / 2)], SHAPES[pool]);
    const won = act["winners" + stage.slice(-1)][pk] === (i % 2) * 2 + (j % 2);
    view.sum = { terms: [[won ? 1 : 0, del[pool][pk], pool, pk]] };
    const on = z > 0 ? 1 : 0;
    view.down = [[conv, index, on, on * del[stage][index]]];
  } else if (stage === "maxpool1" || stage === "maxpool2") {
    const relu = "relu" + stage.slice(-1);
    const [c, i, j] = idx;
    const terms = [];
    for (let m = 0; m < 2; m++) for (let q = 0; q < 2; q++) {
      const k = ravel([c, 2 * i + m, 2 * j + q], SHAPES[relu]);
      terms.push([1, act[relu][k], relu, k]);
    }
    const win = act["winners" + stage.slice(-1)][index];
    view.up = { terms, bias: 0, total: terms[win][1], winner: terms[win][3] };
    view.down = [[relu, terms[win][3], 1, del[stage][index]]];
    view.sum = { terms: stage === "maxpool2" ? [[1, del.flatten1[index], "flatten1", index]]
      : inputGradient(D, "conv2", idx) };
  } else if (stage === "input") {
    view.sum = { terms: inputGradient(D, "conv1", idx) };
  } else if (stage === "flatten1") {
    view.up = { terms: [[1, act.maxpool2[index], "maxpool2", index]], bias: 0,
      total: act.flatten1[index] };
    view.sum = { terms: [...Array(10).keys()].map((k) => [w["fc1.w"][index * 10 + k], del.fc1[k], "fc1", k]) };
    view.down = [["maxpool2", index, 1, del.flatten1[index]]];
  } else {   // fc1: a score
    const terms = [...Array(250).keys()].map((r) => [w["fc1.w"][r * 10 + index], act.flatten1[r], "flatten1", r]);
    view.up = { terms, bias: w["fc1.b"][index], total: sumOf(terms, w["fc1.b"][index]) };
    view.sum = { terms: [[1, p[index], "softmax", index], [-1, index === target ? 1 : 0, "target", index]] };
    view.down = terms.map((t, r) => ["flatten1", r, t[0], t[0] * del.fc1[index]]);
  }
  if (view.sum) view.sum.total = sumOf(view.sum.terms);
  return view;
}

function inputGradient(D, conv, idx) {   // [[w, δ_out, conv, flat]] whose sum is ∂E/∂input
  const ws = SHAPES[conv + ".w"], ds = SHAPES[conv];
  const [c, r, s] = idx, out = [];
  for (let f = 0; f < ws[0]; f++) for (let m = 0; m < ws[2]; m++) for (let q = 0; q < ws[3]; q++) {
    const i = r - m, j = s - q;
    if (i >= 0 && i < ds[1] && j >= 0 && j < ds[2]) {
      const k = ravel([f, i, j], ds);
      out.push([D.w[conv + ".w"][ravel([f, c, m, q], ws)], D.del[conv][k], conv, k]);
    }
  }
  return out;
}

function weightView(D, name, index) {
  const { act, del, w, grads } = D;
  const view = { stage: name, index, value: w[name][index], delta: grads[name][index], up: null, down: [] };
  const [layer, kind] = name.split(".");
  const idx = unravel(index, SHAPES[name]);
  let terms = [];
  if (kind === "b") {
    const per = layer === "fc1" ? 1 : SHAPES[layer][1] * SHAPES[layer][2];
    for (let k = 0; k < per; k++) terms.push([1, del[layer][idx[0] * per + k], layer, idx[0] * per + k]);
  } else if (layer === "fc1") {
    terms = [[act.flatten1[idx[0]], del.fc1[idx[1]], "fc1", idx[1]]];
  } else {
    const src = layer === "conv1" ? "input" : "maxpool1";
    const [f, c, m, q] = idx, [, H, W] = SHAPES[layer];
    for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) {
      terms.push([del[layer][ravel([f, i, j], SHAPES[layer])], act[src][ravel([c, i + m, j + q], SHAPES[src])],
        layer, ravel([f, i, j], SHAPES[layer])]);
    }
  }
  view.sum = { terms, total: sumOf(terms) };
  return view;
}

// ------------------------------------------------------------------ how a unit is named
function unitName(stage, index) {
  const shape = SHAPES[stage], idx = unravel(index, shape);
  if (stage === "fc1") return `score[${index}]`;
  if (stage === "flatten1") return `flat[${index}]`;
  if (stage === "input") return `x[${idx[1]},${idx[2]}]`;
  if (stage.includes(".")) return `${stage.replace(".w", " w").replace(".b", " b")}[${idx.join(",")}]`;
  return `${stage}[${idx.join(",")}]`;
}
const termName = (stage, k) => (stage === "softmax" ? `p[${k}]` : stage === "target" ? `y[${k}]`
  : unitName(stage, k));

const SUM_TEXT = {
  fc1: "δ = ∂E/∂score = p − y",
  flatten1: "δ = Σ_k W[r, k]·δ_score[k] (the FC layer backward)",
  maxpool2: "δ = δ_flat[the same index] (un-flatten: the same number)",
  relu2: "δ = (did it win its 2x2 window?)·δ_maxpool2 (max-pool routing)",
  relu1: "δ = (did it win its 2x2 window?)·δ_maxpool1 (max-pool routing)",
  conv2: "δ = 1[z > 0]·δ_relu2 (the ReLU mask)",
  conv1: "δ = 1[z > 0]·δ_relu1 (the ReLU mask)",
  maxpool1: "δ = Σ_f Σ_m Σ_q w2[f, c, m, q]·δ_conv2[f, r − m, s − q] (conv2's input gradient)",
  input: "δ = Σ_f Σ_m Σ_q w1[f, 0, m, q]·δ_conv1[f, u − m, v − q] (conv1's input gradient)",
  "conv1.w": "∂E/∂w1[f, 0, m, q] = Σ_i Σ_j δ_conv1[f, i, j]·x[i + m, j + q]",
  "conv2.w": "∂E/∂w2[f, c, m, q] = Σ_i Σ_j δ_conv2[f, i, j]·maxpool1[c, i + m, j + q]",
  "fc1.w": "∂E/∂W[r, k] = flat[r]·δ_score[k]",
  "conv1.b": "∂E/∂b1[f] = Σ_i Σ_j δ_conv1[f, i, j]", "conv2.b": "∂E/∂b2[f] = Σ_i Σ_j δ_conv2[f, i, j]",
  "fc1.b": "∂E/∂b[k] = δ_score[k]",
};
const UP_TEXT = { conv1: "z = b1[f] + Σ_m Σ_q w1[f, 0, m, q]·x[i + m, j + q]",
  conv2: "z = b2[f] + Σ_c Σ_m Σ_q w2[f, c, m, q]·maxpool1[c, i + m, j + q]",
  relu1: "a = max(0, z)", relu2: "a = max(0, z)", maxpool1: "the largest of its 2x2 window",
  maxpool2: "the largest of its 2x2 window", flatten1: "flat[c·25 + 5i + j] = maxpool2[c, i, j]",
  fc1: "score[k] = b[k] + Σ_r flat[r]·W[r, k]" };

function termsTable(terms, most) {   // the largest products first; zeros counted, not listed
  const nonzero = terms.map((t, k) => [t, k]).filter(([t]) => t[0] * t[1] !== 0);
  const shown = nonzero.slice().sort((a, b) => Math.abs(b[0][0] * b[0][1]) - Math.abs(a[0][0] * a[0][1]) || a[1] - b[1]).slice(0, most);
  const rows = shown.map(([t]) => `<tr><td>${fmt3(t[0])}</td><td>·</td><td>${fmt3(t[1])}</td>` +
    `<td class="cnn-where">${esc(termName(t[2], t[3]))}</td><td>= ${fmt3(t[0] * t[1])}</td></tr>`);
  const left = nonzero.length - shown.length, zero = terms.length - nonzero.length;
  const more = (left ? `${left} more nonzero term${left > 1 ? "s" : ""}` : "") +
    (zero ? `${left ? ", " : ""}${zero} term${zero > 1 ? "s are" : " is"} 0` : "");
  return `<table class="cnn-terms">${rows.join("")}</table>` + (more ? `<div class="cnn-more">(${more})</div>` : "");
}

function unitHTML(view, revealed) {
  const name = unitName(view.stage, view.index);
  const isWeight = view.stage.includes(".");
  const out = [`<div class="cnn-unit-head"><b>${esc(name)}</b>: ${isWeight ? "weight" : "value"} ` +
    `<span class="cnn-v">${fmt3(view.value)}</span>` + (revealed ? `, ${isWeight ? "∂E/∂w" : "δ = ∂E/∂(this unit)"} = <span class="cnn-d">${fmt3(view.delta)}</span>` : ", its delta comes at a later step") + "</div>"];
  if (view.up && view.stage.startsWith("maxpool")) {
    const win = view.up.terms.map((t) => (t[3] === view.up.winner ? `<b>${fmt3(t[1])}</b>` : fmt3(t[1])));
    out.push(`<div class="cnn-part"><span class="cnn-key" style="color:${COLOURS.up}">■</span> made by ` +
      `(forward): the largest of its 2x2 window in ${esc(view.up.terms[0][2])}: max(${win.join(", ")}) = ` +
      `<span class="cnn-up-total">${fmt3(view.up.total)}</span>, the winner ` +
      `${esc(unitName(view.up.terms[0][2], view.up.winner))} (ties: the first in row-major order)</div>`);
  } else if (view.up && view.stage.startsWith("relu")) {
    out.push(`<div class="cnn-part"><span class="cnn-key" style="color:${COLOURS.up}">■</span> made by ` +
      `(forward): max(0, z) with z = ${esc(unitName(view.up.terms[0][2], view.up.terms[0][3]))} = ` +
      `${fmt3(view.up.terms[0][1])}: <span class="cnn-up-total">${fmt3(view.up.total)}</span> ` +
      `(${view.up.terms[0][1] > 0 ? "on: its delta passes" : "off: its delta is 0"})</div>`);
  } else if (view.up && view.stage === "flatten1") {
    out.push(`<div class="cnn-part"><span class="cnn-key" style="color:${COLOURS.up}">■</span> made by ` +
      `(forward): flat[c·25 + 5i + j] = ${esc(unitName("maxpool2", view.index))} = ` +
      `<span class="cnn-up-total">${fmt3(view.up.total)}</span></div>`);
  } else if (view.up) {
    out.push(`<div class="cnn-part"><span class="cnn-key" style="color:${COLOURS.up}">■</span> made by ` +
      `(forward): ${esc(UP_TEXT[view.stage])} = ` + (view.up.bias ? `${fmt3(view.up.bias)} + ` : "") +
      `${view.up.terms.length > 1 ? `Σ of ${view.up.terms.length} terms` : "…"} = ` +
      `<span class="cnn-up-total">${fmt3(view.up.total)}</span>` + termsTable(view.up.terms, 6) + "</div>");
  }
  if (revealed && view.sum) {
    out.push(`<div class="cnn-part"><span class="cnn-key" style="color:${COLOURS.sum}">■</span> its delta ` +
      `(the sum): ${esc(SUM_TEXT[view.stage])} = <span class="cnn-sum-total">${fmt3(view.sum.total)}` +
      `</span> (cnnlib's backward: ${fmt3(view.delta)})` + termsTable(view.sum.terms, 8) + "</div>");
  }
  if (revealed && view.down.length) {
    const sent = view.down.filter((t) => t[3] !== 0).length;
    out.push(`<div class="cnn-part"><span class="cnn-key" style="color:${COLOURS.down}">■</span> its delta ` +
      `is sent to ${view.down.length} unit${view.down.length > 1 ? "s" : ""} of ` +
      `${esc(view.down[0][0])} (${sent} nonzero), as weight·δ:` +
      termsTable(view.down.map((t) => [t[2], view.delta, t[0], t[1]]), 6) +
      (view.grad ? `<div class="cnn-more">and δ·input to ${view.grad.length} entries of ` +
        `∂E/∂${esc(view.grad[0][0])}</div>` : "") + "</div>");
  }
  return out.join("");
}

// ------------------------------------------------------------------ drawing
function rgbOf(v, lo, hi, signed) {
  return cellColour(v, lo, hi, signed);
}

function scaleOf(a, signed) {
  let lo = Infinity, hi = -Infinity;
  for (const v of a) { if (v < lo) lo = v; if (v > hi) hi = v; }
  if (signed) { const m = Math.max(Math.abs(lo), Math.abs(hi), 1e-12); return [-m, m]; }
  return [Math.min(0, lo), hi > Math.min(0, lo) ? hi : Math.min(0, lo) + 1];
}

function paint(canvas, a, offset, nr, nc, lo, hi, signed) {
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(nc, nr);
  for (let k = 0; k < nr * nc; k++) {
    const [r, g, b] = rgbOf(a[offset + k], lo, hi, signed);
    img.data[4 * k] = r; img.data[4 * k + 1] = g; img.data[4 * k + 2] = b; img.data[4 * k + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}


// the maps of one block: [{name (array), nr, nc, first flat index, transposed}]
function mapsOf(name) {
  if (name === "flatten1") return [{ nr: 10, nc: 25, at: (m, r, c) => r * 25 + c }];
  if (name === "fc1.w") return [{ nr: 10, nc: 250, at: (m, r, c) => c * 10 + r }];
  if (name.endsWith(".b")) return [{ nr: 1, nc: SHAPES[name][0], at: (m, r, c) => c }];
  const s = SHAPES[name];
  const [count, nr, nc] = name.endsWith(".w") ? [s[0] * s[1], s[2], s[3]] : s;
  return [...Array(count).keys()].map((m) => ({ nr, nc, at: (mm, r, c) => (mm * nr + r) * nc + c, m }));
}

function whereIs(name, flat) {   // [map number, row, col] of a flat index
  if (name === "flatten1") return [0, Math.floor(flat / 25), flat % 25];
  if (name === "fc1.w") return [0, flat % 10, Math.floor(flat / 10)];
  if (name.endsWith(".b")) return [0, 0, flat];
  const maps = mapsOf(name), { nr, nc } = maps[0];
  return [Math.floor(flat / (nr * nc)), Math.floor((flat % (nr * nc)) / nc), flat % nc];
}

function render({ model, el }) {
  const spec = model.get("spec");
  let values = { ...model.get("values") };
  const store = { digits: {}, weights: null };
  let kernel = false, pending = false, waiting = null, timing = {}, lastWidth = 0, cellK = 1;
  const stages = spec.stages.filter((s) => s !== "fc1");
  el.classList.add("cnn-explorer", "cnn-network");
  el.dataset.explorer = spec.name;
  el.innerHTML = `<div class="cnn-controls cnn-net-controls">
    <div class="cnn-control cnn-digits" data-name="digit"><span class="cnn-label">digit</span>
      <span class="cnn-picks"></span>
      <span class="cnn-kernel-only"><label>test digit # <input type="number" class="cnn-index-input"
        min="0" max="${spec.test_size - 1}" step="1"></label></span>
      <span class="cnn-no-kernel">(with a running kernel: any of the ${spec.test_size} test digits,
        or draw one)</span></div>
    <div class="cnn-control cnn-toggle cnn-targets" data-name="target"><span class="cnn-label">loss for</span></div>
    <div class="cnn-control cnn-stepper" data-name="step"><span class="cnn-label">backward step</span>
      <button type="button" class="cnn-prev" title="one layer back">◀</button>
      <input type="range" min="0" max="${spec.steps}" step="1" aria-label="backward step">
      <button type="button" class="cnn-next" title="one layer further">▶</button><output></output></div>
  </div>
  <div class="cnn-net-top"><div class="cnn-readout explorer-readout"></div>
    <div class="cnn-pad cnn-kernel-only"><div class="cnn-label">draw a digit</div>
      <canvas width="28" height="28" class="cnn-pad-canvas"></canvas>
      <button type="button" class="cnn-clear">clear</button></div></div>
  <div class="cnn-tip">Click any unit, in any map, forward or backward, or any weight gradient:
    <span style="color:${COLOURS.sel}">■</span> the unit, <span style="color:${COLOURS.up}">■</span>
    what made it, <span style="color:${COLOURS.sum}">■</span> the deltas its delta sums,
    <span style="color:${COLOURS.down}">■</span> where its delta goes.</div>
  <div class="cnn-net-maps"></div><div class="cnn-net-lower"><div class="cnn-net-unit"></div>
  <div class="cnn-net-norms"></div></div>`;
  const $ = (sel) => el.querySelector(sel);
  const mapsBox = $(".cnn-net-maps"), unitBox = $(".cnn-net-unit"), normBox = $(".cnn-net-norms");
  const readBox = $(".cnn-readout"), step = $(".cnn-stepper input"), idxInput = $(".cnn-index-input");
  // JupyterLab takes keys as its shortcuts, and a mouse press in an output as a click that
  // selects the cell (a restyle of the whole notebook, 5 ms a click): keep both here
  for (const kind of ["keydown", "mousedown", "mouseup", "pointerdown", "pointerup"]) {
    el.addEventListener(kind, (ev) => ev.stopPropagation());
  }

  // ------------------------------------------------ which arrays are on screen
  const digitKey = (v) => (v.digit >= 0 ? `t${v.digit}` : `d${v.drawing}`);
  const entryOf = (v) => store.digits[digitKey(v)];
  function targetOf(v, entry) {
    if (v.target >= 0) return v.target;
    return entry ? (entry.label >= 0 ? entry.label : entry.predicted) : null;
  }
  function dataOf(v) {
    const entry = entryOf(v);
    const t = targetOf(v, entry);
    const b = entry && entry.targets[String(t)];
    if (!b || !store.weights) return null;
    const del = { maxpool2: b.bwd.d_flatten1 };
    for (const s of spec.stages) if (s !== "maxpool2") del[s] = b.bwd[`d_${s}`];
    const grads = {};
    for (const n of Object.keys(store.weights)) grads[n] = b.bwd[`g_${n}`];
    return { act: entry.fwd, del, w: store.weights, grads, p: entry.fwd.softmax, target: t,
      entry, b };
  }

  // ------------------------------------------------ the blocks of maps
  const blocks = {};   // name -> {maps: [{canvas, svg, nr, nc, at}], dir}
  function buildBlocks() {
    mapsBox.innerHTML = "";
    const k = cellK;
    // one canvas per block (its maps side by side, a cell of gap between them): fewer
    // canvases make each frame cheaper for the browser to put together
    const add = (parent, name, dir, cell, cols, title) => {
      const box = document.createElement("div");
      box.className = `cnn-block cnn-${dir}`;
      box.dataset.array = name;
      box.dataset.dir = dir;
      const list = mapsOf(name);
      const { nr, nc } = list[0];
      const rows = Math.ceil(list.length / cols), used = Math.min(cols, list.length);
      const W = used * nc + used - 1, H = rows * nr + rows - 1;
      const cw = name === "fc1.w" ? Math.max(2, Math.min(cell, Math.floor(((el.clientWidth || 900) - 30) / 250))) : cell;
      box.innerHTML = `<div class="cnn-block-title">${esc(title)}</div><div class="cnn-map">` +
        `<canvas width="${W}" height="${H}" style="width:${W * cw}px;height:${H * cell}px" ` +
        `data-nr="${nr}" data-nc="${nc}" data-cols="${used}"></canvas><svg class="cnn-overlay" ` +
        `width="${W * cw}" height="${H * cell}"></svg></div>`;
      const maps = list.map((m, i) => ({ ...m, m: i, x0: (i % cols) * (nc + 1), y0: Math.floor(i / cols) * (nr + 1) }));
      parent.appendChild(box);
      const [canvas, svg] = box.lastChild.children;
      blocks[`${dir}:${name}`] = { maps, name, dir, box, canvas, svg, W, H, cw, ch: cell };
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
    col.innerHTML = `<div class="cnn-stage-title">${esc(TITLE.fc1)}</div><svg class="cnn-vector"></svg>`;
    mapsBox.appendChild(col);
    const grads = document.createElement("div");
    grads.className = "cnn-stage cnn-grads";
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
  }

  function revealedStep(name) {   // the step at which the delta (or gradient) of `name` appears
    return name in GRAD_STEP ? GRAD_STEP[name] : REVEAL.indexOf(name === "maxpool2" ? "maxpool2" : name);
  }

  function paintBlocks(D) {
    for (const blk of Object.values(blocks)) {
      const { name, dir } = blk;
      const a = dir === "fwd" ? D.act[name] : dir === "bwd" ? D.del[name] : D.grads[name];
      const shown = dir === "fwd" || values.step >= revealedStep(name);
      // repaint only what changed: a step reveals or hides one or two blocks
      const painted = `${digitKey(values)}|${dir === "fwd" ? "" : D.target}|${shown}`;
      if (blk.painted === painted) continue;
      blk.painted = painted;
      blk.box.classList.toggle("cnn-hidden-step", !shown);
      const signed = dir !== "fwd" || LOOK[name][2] === 1;
      const [lo, hi] = scaleOf(a, signed);
      blk.scale = [lo, hi, signed];
      const ctx = blk.canvas.getContext("2d");
      const img = ctx.createImageData(blk.W, blk.H);
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
      ctx.putImageData(img, 0, 0);
    }
    paintScores(D);
  }

  let scoresKey = null;
  function paintScores(D) {
    const svg = $(".cnn-vector");
    const shown = values.step >= 1;
    const key = `${digitKey(values)}|${D.target}|${shown}`;
    if (key === scoresKey && svg.firstChild) return;
    scoresKey = key;
    const sc = D.act.fc1, p = D.p, d = D.del.fc1;
    const [slo, shi] = scaleOf(sc, true), [dlo, dhi] = scaleOf(d, true);
    const rows = [`<text x="2" y="12" class="cnn-vhead">k</text><text x="18" y="12" class="cnn-vhead">score</text>` +
      `<text x="70" y="12" class="cnn-vhead">p</text><text x="122" y="12" class="cnn-vhead">δ</text>`];
    for (let k = 0; k < 10; k++) {
      const y = 18 + k * 21;
      const c1 = rgbOf(sc[k], slo, shi, true), c3 = rgbOf(d[k], dlo, dhi, true);
      rows.push(`<g class="cnn-vrow" data-k="${k}"><rect class="cnn-vhit" x="0" y="${y}" width="176" height="20"/>` +
        `<text x="2" y="${y + 14}" class="${k === D.target ? "cnn-target" : ""}">${k}</text>` +
        `<rect x="16" y="${y + 1}" width="50" height="18" fill="rgb(${c1})"/>` +
        `<text x="41" y="${y + 14}" class="cnn-vnum" fill="${isDark(c1) ? "#fff" : "#000"}">${fmt3(sc[k])}</text>` +
        `<rect x="68" y="${y + 3}" width="${Math.max(1, 50 * p[k])}" height="14" fill="#1f6fb4" opacity="0.35"/>` +
        `<text x="93" y="${y + 14}" class="cnn-vnum">${fmt3(p[k])}</text>` +
        (shown ? `<rect x="120" y="${y + 1}" width="54" height="18" fill="rgb(${c3})"/>` +
          `<text x="147" y="${y + 14}" class="cnn-vnum" fill="${isDark(c3) ? "#fff" : "#000"}">${fmt3(d[k])}</text>`
          : `<rect x="120" y="${y + 1}" width="54" height="18" fill="#e4e4e4"/>`) +
        `<rect class="cnn-vsel" x="0.5" y="${y + 0.5}" width="175" height="19"/></g>`);
    }
    rows.push(`<text x="2" y="${18 + 10 * 21 + 14}">E = −ln p[${D.target}] = ${fmt3(D.b.loss)}</text>`);
    svg.setAttribute("width", 178);
    svg.setAttribute("height", 18 + 10 * 21 + 22);
    svg.innerHTML = rows.join("");
  }

  // ------------------------------------------------ the clicked unit
  let marked = [], lastUnit = null;
  function mark(D, view) {
    for (const svg of marked) svg.innerHTML = "";
    marked = [];
    const boxes = new Map();   // svg -> [rect text]
    const put = (dir, name, flat, colour) => {
      if (name === "fc1" || name === "softmax" || name === "target") return;
      const blk = blocks[`${dir}:${name}`];
      if (!blk) return;
      const [m, r, c] = whereIs(name, flat);
      const map = blk.maps[m];
      if (!map) return;
      const list = boxes.get(blk.svg) || [];
      const inset = 0.5;
      list.push(`<rect x="${(map.x0 + c) * blk.cw + inset}" y="${(map.y0 + r) * blk.ch + inset}" ` +
        `width="${Math.max(1, blk.cw - 2 * inset)}" height="${Math.max(1, blk.ch - 2 * inset)}" stroke="${colour}"/>`);
      boxes.set(blk.svg, list);
    };
    const revealed = view.stage.includes(".") ? values.step >= GRAD_STEP[view.stage]
      : values.step >= revealedStep(view.stage);
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
      svg.innerHTML = list.join("");
      svg.classList.toggle("cnn-many", list.length > 60);
      marked.push(svg);
    }
    el.querySelectorAll(".cnn-vrow").forEach((g) => g.classList.toggle("cnn-on",
      view.stage === "fc1" && Number(g.dataset.k) === view.index));
    const text = unitHTML(view, revealed);
    if (lastUnit !== text) {
      unitBox.innerHTML = text;
      lastUnit = text;
    }
  }

  // ------------------------------------------------ per-layer gradient norms
  let normsKey = null;
  function paintNorms(D) {
    const n = D.b.norms, fn = D.b.filter_norms;
    const rows = [];
    for (const s of [...REVEAL.slice(1)]) rows.push([`δ ${s}`, n[`δ ${s}`], revealedStep(s)]);
    for (const w of ["fc1.w", "conv2.w", "conv1.w"]) rows.push([`∂E/∂${w}`, n[`∂E/∂${w}`], GRAD_STEP[w]]);
    fn["conv2.w"].forEach((v, f) => rows.push([`conv2 filter ${f}`, v, 5]));
    fn["conv1.w"].forEach((v, f) => rows.push([`conv1 filter ${f}`, v, 8]));
    const key = `${digitKey(values)}|${D.target}`;
    if (key !== normsKey) {   // the bars, once per digit and label
      normsKey = key;
      const big = Math.max(...rows.map((r) => r[1]), 1e-12);
      const lo = Math.log10(big) - 4;   // four decades
      const out = [`<text x="0" y="12" class="cnn-vhead">‖·‖ (L2 norm; bars on a log scale, 4 decades)</text>`];
      rows.forEach(([label, v], k) => {
        const y = 18 + k * 15;
        const len = v > 0 ? Math.max(1, 160 * (Math.log10(v) - lo) / 4) : 0;
        out.push(`<g data-k="${k}"><text x="0" y="${y + 10}">${esc(label)}</text>` +
          `<rect x="112" y="${y + 1}" width="${Math.max(0, len)}" height="11" fill="${v > 0 ? "#1f6fb4" : "#d62728"}"/>` +
          `<text x="${116 + Math.max(0, len)}" y="${y + 10}" class="cnn-norm ${v > 0 ? "" : "cnn-dead"}"></text></g>`);
      });
      normBox.innerHTML = `<svg width="360" height="${24 + rows.length * 15}">${out.join("")}</svg>`;
    }
    normBox.querySelectorAll("g[data-k]").forEach((g) => {   // what this step has reached
      const [, v, at] = rows[Number(g.dataset.k)];
      const on = values.step >= at;
      flag(g, "cnn-faded", !on);
      put(g.querySelector(".cnn-norm"), "textContent",
        on ? fmt3(v) + (v > 0 ? "" : " (dead: no delta gets through)") : `step ${at}`);
    });
  }

  // ------------------------------------------------ controls
  const picks = $(".cnn-picks");
  function buildPicks() {
    picks.innerHTML = "";
    for (const d of spec.digits) {
      const e = store.digits[`t${d}`];
      const b = document.createElement("button");
      b.type = "button";
      b.dataset.digit = d;
      b.title = `test digit #${d}, label ${e ? e.label : "?"}`;
      b.innerHTML = `<canvas width="28" height="28"></canvas><span>#${d}</span>`;
      if (e) {
        const [lo, hi] = scaleOf(e.fwd.input, false);
        paint(b.firstChild, e.fwd.input, 0, 28, 28, lo, hi, false);
      }
      picks.appendChild(b);
    }
  }
  const targets = $(".cnn-targets");
  targets.insertAdjacentHTML("beforeend", `<button type="button" data-t="-1">true label</button>` +
    [...Array(10).keys()].map((k) => `<button type="button" data-t="${k}">${k}</button>`).join(""));

  // write an attribute, a class or a text only when it changes: every DOM write makes the
  // browser recompute styles, and in JupyterLab that is the largest part of a frame
  const put = (node, key, value) => {
    if (node[key] !== value) node[key] = value;
  };
  const flag = (node, cls, on) => {
    if (node.classList.contains(cls) !== on) node.classList.toggle(cls, on);
  };
  function drawControls(D) {
    picks.querySelectorAll("button").forEach((b) => flag(b, "cnn-on", Number(b.dataset.digit) === values.digit));
    if (document.activeElement !== idxInput) put(idxInput, "value", values.digit >= 0 ? String(values.digit) : "");
    const entry = entryOf(values);
    targets.querySelectorAll("button").forEach((b) => {
      const t = Number(b.dataset.t);
      const can = kernel || Boolean(entry && (t < 0 ? true : String(t) in entry.targets));
      put(b, "disabled", !can);
      put(b, "title", can ? "" : "this label's backward pass needs a running kernel");
      flag(b, "cnn-on", t === values.target);
      if (t < 0) put(b, "textContent", entry && entry.label >= 0 ? `true label (${entry.label})` : "the predicted label");
    });
    put(step, "value", String(values.step));
    put($(".cnn-stepper output"), "textContent", `${values.step} of ${spec.steps}`);
    flag(el, "cnn-has-kernel", kernel);
  }

  // ------------------------------------------------ drawing everything
  let paintedKey = null, D = null, kernelMs = null, lastSaid = null;
  function draw(t0, what) {
    const t1 = performance.now();
    D = dataOf(values);
    drawControls(D);
    if (!D) {
      readBox.textContent = store.weights ? "computing this digit's forward and backward pass…"
        : "loading the explorer's numbers…";
      lastSaid = null;
      return;
    }
    const k = Math.min(2.0, Math.max(0.85, ((el.clientWidth || 1000) - 10) / 1000));
    if (Math.abs(k - cellK) > 0.02 || !Object.keys(blocks).length) {
      cellK = k;
      buildBlocks();
      paintedKey = null;
    }
    lastWidth = el.clientWidth;
    const key = `${digitKey(values)}|${D.target}|${values.step}`;
    if (key !== paintedKey) {
      paintBlocks(D);
      paintNorms(D);
      paintedKey = key;
    }
    const entry = D.entry;
    const said = `<div class="cnn-digit-line">${entry.index >= 0 ? `Test digit #${entry.index}, ` +
      `label ${entry.label}` : "Your drawing"}: the network reads <b>${entry.predicted}</b> ` +
      `(p = ${fmt3(D.p[entry.predicted])}); the loss is for the label ${D.target}.</div>` +
      D.b.text[values.step];
    if (said !== lastSaid) {
      readBox.innerHTML = said;
      lastSaid = said;
    }
    let view;
    try {
      view = unitView(D, values.stage, values.unit);
    } catch (err) {
      view = unitView(D, "fc1", 0);
    }
    mark(D, view);
    el.dataset.key = `${key}|${values.stage}|${values.unit}`;
    el.dataset.values = JSON.stringify(values);
    timing = { draw: performance.now() - t1, ...(kernelMs === null ? {} : { python: kernelMs }) };
    if (t0 !== undefined) {
      const measured = timing;
      requestAnimationFrame(() => setTimeout(() => {
        const ms = performance.now() - t0;
        NET_LATENCY.push({ explorer: spec.name, key: el.dataset.key, ms, what, ...measured });
        el.dataset.latency = ms.toFixed(2);
      }, 0));
    }
  }

  function sync() {
    pending = false;
    if (JSON.stringify(model.get("values")) === JSON.stringify(values)) return;
    model.set("values", { ...values });
    model.save_changes();
  }

  // a change of the controls; one that needs numbers the page does not have asks the kernel
  function set(changes, t0, what) {
    const next = { ...values, ...changes };
    next.step = Math.min(Math.max(Math.round(next.step), 0), spec.steps);
    if (!dataOf(next)) {
      if (!kernel) {
        lastSaid = null;
        readBox.insertAdjacentHTML("beforeend", `<div class="cnn-note">That digit or label is not ` +
          `stored in this page: it needs a running kernel.</div>`);
        return;
      }
      values = next;
      waiting = { t0, what };
      draw();
      sync();
      return;
    }
    values = next;
    draw(t0, what);
    if (!pending) {
      pending = true;
      requestAnimationFrame(() => setTimeout(sync, 0));
    }
  }

  picks.addEventListener("click", (ev) => {
    const b = ev.target.closest("button");
    if (b) set({ digit: Number(b.dataset.digit), target: -1 }, ev.timeStamp, "digit");
  });
  targets.addEventListener("click", (ev) => {
    const b = ev.target.closest("button");
    if (b && !b.disabled) set({ target: Number(b.dataset.t) }, ev.timeStamp, "label");
  });
  step.addEventListener("input", (ev) => set({ step: Number(step.value) }, ev.timeStamp, "step"));
  $(".cnn-prev").addEventListener("click", (ev) => set({ step: values.step - 1 }, ev.timeStamp, "step"));
  $(".cnn-next").addEventListener("click", (ev) => set({ step: values.step + 1 }, ev.timeStamp, "step"));
  idxInput.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") idxInput.dispatchEvent(new Event("change"));
  });
  idxInput.addEventListener("change", (ev) => {
    const d = Math.min(Math.max(Math.round(Number(idxInput.value)), 0), spec.test_size - 1);
    if (Number.isFinite(d)) set({ digit: d, target: -1 }, ev.timeStamp, "digit");
  });
  mapsBox.addEventListener("click", (ev) => {
    const row = ev.target.closest(".cnn-vrow");
    if (row) { set({ stage: "fc1", unit: Number(row.dataset.k) }, ev.timeStamp, "click"); return; }
    const canvas = ev.target.closest("canvas");
    const blk = canvas && canvas.closest(".cnn-block");
    if (!blk) return;
    const b = blocks[`${blk.dataset.dir}:${blk.dataset.array}`];
    const rect = canvas.getBoundingClientRect();
    const cx = Math.floor((ev.clientX - rect.left) / b.cw), cy = Math.floor((ev.clientY - rect.top) / b.ch);
    const map = b.maps.find((m) => cx >= m.x0 && cx < m.x0 + m.nc && cy >= m.y0 && cy < m.y0 + m.nr);
    if (map) set({ stage: b.name, unit: map.at(map.m, cy - map.y0, cx - map.x0) }, ev.timeStamp, "click");
  });

  // ------------------------------------------------ the drawing pad (kernel only)
  const pad = $(".cnn-pad-canvas"), ink = new Float32Array(784);
  let inking = false;
  function paintPad() {
    const ctx = pad.getContext("2d"), img = ctx.createImageData(28, 28);
    for (let k = 0; k < 784; k++) {
      const v = 255 - Math.round(ink[k]);
      img.data.set([v, v, v, 255], 4 * k);
    }
    ctx.putImageData(img, 0, 0);
  }
  function inkAt(ev) {
    const r = pad.getBoundingClientRect();
    const x = ((ev.clientX - r.left) / r.width) * 28, y = ((ev.clientY - r.top) / r.height) * 28;
    for (let i = Math.floor(y - 2); i <= y + 2; i++) for (let j = Math.floor(x - 2); j <= x + 2; j++) {
      if (i < 0 || j < 0 || i > 27 || j > 27) continue;
      const d = Math.hypot(i + 0.5 - y, j + 0.5 - x);
      ink[i * 28 + j] = Math.max(ink[i * 28 + j], 255 * Math.min(1, Math.max(0, 1.8 - d)));
    }
    paintPad();
  }
  pad.addEventListener("pointerdown", (ev) => { inking = true; pad.setPointerCapture(ev.pointerId); inkAt(ev); });
  pad.addEventListener("pointermove", (ev) => { if (inking) inkAt(ev); });
  pad.addEventListener("pointerup", (ev) => {
    if (!inking) return;
    inking = false;
    waiting = { t0: ev.timeStamp, what: "draw" };
    readBox.textContent = "computing your digit's forward and backward pass…";
    lastSaid = null;
    model.send({ kind: "draw", pixels: Array.from(ink, (v) => Math.round(v)) });
  });
  $(".cnn-clear").addEventListener("click", () => { ink.fill(0); paintPad(); });
  paintPad();

  // ------------------------------------------------ the kernel, Python's changes, the table
  const onMsg = (msg, buffers) => {
    if (!msg || typeof msg !== "object") return;
    if (msg.kind === "hello") { kernel = true; drawControls(D); return; }
    if (msg.kind === "error") { readBox.textContent = msg.text; lastSaid = null; return; }
    if (msg.kind !== "digit") return;
    const buf = buffers && buffers[0];
    const bytes = buf instanceof ArrayBuffer ? buf : buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
    addDigits(store, msg, new Float32Array(bytes));
    const v = msg.values;
    if (v.digit === values.digit && v.target === values.target && v.drawing === values.drawing) {
      const w = waiting;
      waiting = null;
      values = { ...values, ...v };
      kernelMs = msg.python_ms;
      draw(w ? w.t0 : undefined, w ? `kernel ${w.what}` : undefined);
      kernelMs = null;
    }
  };
  const onValues = () => {
    const now = model.get("values");
    if (pending || JSON.stringify(now) === JSON.stringify(values)) return;
    values = { ...now };
    draw();
  };
  const load = () => {
    const text = model.get("table");
    if (!text) return;
    inflate(text).then((raw) => {
      const [header, data] = unpackTable(raw);
      addDigits(store, header, data);
      buildPicks();
      draw();
    });
  };
  const resized = new ResizeObserver(() => {
    if (D && Math.abs(el.clientWidth - lastWidth) > 8) draw();
  });
  resized.observe(el);
  model.on("msg:custom", onMsg);
  model.on("change:values", onValues);
  model.on("change:table", load);
  // for the tests (and a curious learner's console): the view of any unit, the number format
  el.cnnNetwork = { unitView: (stage, index) => unitView(dataOf(values), stage, index), fmt3,
    values: () => ({ ...values }), kernel: () => kernel, ink: () => Array.from(ink, (v) => Math.round(v)),
    array: (kind, name) => Array.from(kind === "fwd" ? dataOf(values).act[name]
      : kind === "bwd" ? dataOf(values).del[name] : kind === "grad" ? dataOf(values).grads[name]
        : store.weights[name]),
    scale: (dir, name) => blocks[`${dir}:${name}`].scale };
  draw();
  load();
  try {
    model.send({ kind: "hello" });   // a kernel answers; a static page has none
  } catch (err) { /* no kernel */ }
  return () => {
    resized.disconnect();
    model.off("msg:custom", onMsg);
    model.off("change:values", onValues);
    model.off("change:table", load);
  };
}

export default { render };
