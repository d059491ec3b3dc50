// network_numbers.js: the network explorer's arrays and sums (joined after grid.js, before
// network_text.js and network.js). The stored float32 arrays (cnnlib/explorers/network_data.py),
// the view of one unit computed from them in float64, term by term in the order of
// cnnlib/explorers/network_units.py, and fmt3, Python's '.3g' (a browser test checks both).

const NET_LATENCY = (globalThis.cnnlibLatency = globalThis.cnnlibLatency || []);
const SHAPES = { input: [1, 28, 28], conv1: [3, 26, 26], relu1: [3, 26, 26], maxpool1: [3, 13, 13],
  conv2: [10, 10, 10], relu2: [10, 10, 10], maxpool2: [10, 5, 5], flatten1: [250], fc1: [10],
  "conv1.w": [3, 1, 3, 3], "conv1.b": [3], "conv2.w": [10, 3, 4, 4], "conv2.b": [10],
  "fc1.w": [250, 10], "fc1.b": [10] };
const REVEAL = [null, "fc1", "flatten1", "maxpool2", "relu2", "conv2", "maxpool1", "relu1", "conv1",
  "input"];
const GRAD_STEP = { "fc1.w": 2, "fc1.b": 2, "conv2.w": 5, "conv2.b": 5, "conv1.w": 8, "conv1.b": 8 };

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

// a probability: as fmt3, except where that would round it to 1 (Python's prob3)
function fmtP(p) {
  const s = fmt3(p);
  return s === "1" && p < 1 ? p.toFixed(Math.floor(-Math.log10(1 - p)) + 2) : s;
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
