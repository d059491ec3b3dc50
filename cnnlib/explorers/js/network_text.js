// network_text.js: how the network explorer names units, writes a unit's sums, colours a map
// (joined after network_numbers.js, before network.js).

const TITLE = { input: "input x 1@28x28", conv1: "conv1 3@26x26", relu1: "relu1", maxpool1:
  "maxpool1 3@13x13", conv2: "conv2 10@10x10", relu2: "relu2", maxpool2: "maxpool2 10@5x5",
  flatten1: "flatten 250 (a row per channel)", fc1: "scores, softmax" };
// per stage: base cell size (px at 1000 px of width), map columns, forward colours signed?
const LOOK = { input: [5, 1, 0], conv1: [3.4, 3, 1], relu1: [3.4, 3, 0], maxpool1: [5.5, 3, 0],
  conv2: [4.2, 5, 1], relu2: [4.2, 5, 0], maxpool2: [7, 5, 0], flatten1: [4.6, 1, 0] };
const GAP = [205, 205, 205, 255], HIDDEN = [228, 228, 228];   // between maps; a later step
// outlines (each over a white halo: 3:1 or more against it, as cnnlib/explorers/_panels.py)
const COLOURS = { sel: "#d95f02", up: "#1e8a1e", down: "#1f6fb4", sum: "#9467bd" };


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


// the maps of one block: [{nr, nc, at(m, r, c) -> flat index}]; fc1.w (250x10, drawn a row
// per class) in `bands` maps of 250/bands columns each, one under the other (a phone's width)
function mapsOf(name, bands = 1) {
  if (name === "flatten1") return [{ nr: 10, nc: 25, at: (m, r, c) => r * 25 + c }];
  if (name === "fc1.w") {
    const per = 250 / bands;
    return [...Array(bands).keys()].map((m) => ({ nr: 10, nc: per, at: (mm, r, c) => (mm * per + c) * 10 + r, m }));
  }
  if (name.endsWith(".b")) return [{ nr: 1, nc: SHAPES[name][0], at: (m, r, c) => c }];
  const s = SHAPES[name];
  const [count, nr, nc] = name.endsWith(".w") ? [s[0] * s[1], s[2], s[3]] : s;
  return [...Array(count).keys()].map((m) => ({ nr, nc, at: (mm, r, c) => (mm * nr + r) * nc + c, m }));
}

function whereIs(name, flat, bands = 1) {   // [map number, row, col] of a flat index
  if (name === "flatten1") return [0, Math.floor(flat / 25), flat % 25];
  if (name === "fc1.w") {
    const per = 250 / bands, row = Math.floor(flat / 10);
    return [Math.floor(row / per), flat % 10, row % per];
  }
  if (name.endsWith(".b")) return [0, 0, flat];
  const maps = mapsOf(name), { nr, nc } = maps[0];
  return [Math.floor(flat / (nr * nc)), Math.floor((flat % (nr * nc)) / nc), flat % nc];
}
