// network.js: the network explorer's front end (an anywidget ES module; grid.js is joined
// before it). Python (cnnlib) computed every array: the trait `table` holds the precomputed
// digits (float32, deflated: cnnlib/explorers/network_data.py); with a kernel, Python sends
// other digits as custom messages in the same format. Here: the maps (canvas), the step
// mode, clicks, and the view of one unit: its sums are computed from the stored arrays in
// float64, term by term in the order of cnnlib/explorers/network_units.py (a browser test
// checks that both give the same numbers), and written with fmt3 (= Python's '.3g').


function render({ model, el }) {
  const spec = model.get("spec");
  let values = { ...model.get("values") };
  const store = { digits: {}, weights: null };
  let kernel = false, pending = false, waiting = null, timing = {}, lastWidth = 0, cellK = 1;
  const stages = spec.stages.filter((s) => s !== "fc1");
  el.classList.add("cnn-explorer", "cnn-network");
  el.dataset.explorer = spec.name;
  el.setAttribute("role", "region");
  el.setAttribute("aria-label", spec.name);
  el.innerHTML = `<div class="cnn-controls cnn-net-controls">
    <div class="cnn-control cnn-digits" data-name="digit"><span class="cnn-label">digit</span>
      <span class="cnn-picks"></span>
      <span class="cnn-kernel-only"><label>test digit # <input type="number" class="cnn-index-input"
        min="0" max="${spec.test_size - 1}" step="1"></label></span>
      <span class="cnn-no-kernel">(with a running kernel: any of the ${spec.test_size} test digits,
        or draw one)</span></div>
    <div class="cnn-control cnn-toggle cnn-targets" data-name="target"><span class="cnn-label">loss for</span></div>
    <div class="cnn-control cnn-stepper" data-name="step"><span class="cnn-label">backward step</span>
      <span class="cnn-step-group"><button type="button" class="cnn-prev" title="one layer back"
        aria-label="one layer back">◀</button>
      <input type="range" min="0" max="${spec.steps}" step="1" aria-label="backward step">
      <button type="button" class="cnn-next" title="one layer further" aria-label="one layer further">▶</button>
      <output></output></span></div>
  </div>
  <div class="cnn-net-top"><div class="cnn-readout explorer-readout" aria-live="polite"></div>
    <div class="cnn-pad cnn-kernel-only"><div class="cnn-label">draw a digit</div>
      <canvas width="28" height="28" class="cnn-pad-canvas" role="img"
        aria-label="drawing pad: draw a digit with the mouse or a finger"></canvas>
      <button type="button" class="cnn-clear">clear</button></div></div>
  <div class="cnn-tip">Click any unit (or Tab to a map, move with the arrow keys, Enter), in
    any map, forward or backward, or any weight gradient:
    <span style="color:${COLOURS.sel}">■</span> the unit, <span style="color:${COLOURS.up}">■</span>
    what made it, <span style="color:${COLOURS.sum}">■</span> the deltas its delta sums,
    <span style="color:${COLOURS.down}">■</span> where its delta goes.</div>
  <div class="cnn-net-maps"></div><div class="cnn-net-unit" aria-live="polite"></div>
  <div class="cnn-net-norms"></div><div class="cnn-sr" aria-live="polite"></div>`;
  const $ = (sel) => el.querySelector(sel);
  const mapsBox = $(".cnn-net-maps");
  const readBox = $(".cnn-readout"), step = $(".cnn-stepper input"), idxInput = $(".cnn-index-input");
  // JupyterLab takes keys as its shortcuts, and a mouse press in an output as a click that
  // selects the cell (a restyle of the whole notebook, 5 ms a click): keep both here
  for (const kind of ["keydown", "mousedown", "mouseup", "pointerdown", "pointerup"]) {
    el.addEventListener(kind, (ev) => {
      if (ev.key === "Escape") leave(el);   // the focus leaves, the notebook takes the key
      else ev.stopPropagation();
    });
  }
  // a click on a map picks a unit without taking the keyboard's focus; Tab brings it there
  mapsBox.addEventListener("mousedown", (ev) => {
    if (ev.target.closest(".cnn-map, .cnn-vector")) ev.preventDefault();
  });
  // the keyboard cursor of a focused map shows while the keyboard is used
  el.addEventListener("pointerdown", () => el.classList.remove("cnn-keys"));

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

  const srBox = $(".cnn-sr");
  const maps = mapsView({ el, $, stages, digitKey, values: () => values, cellK: () => cellK,
    pick: (stage, unit, t0) => set({ stage, unit }, t0, "click"),
    say: (text) => { srBox.textContent = text; },
    valueOf: (dir, name, unit) => {
      const a = D && (dir === "fwd" ? D.act : dir === "bwd" ? D.del : D.grads)[name];
      return a ? fmt3(a[unit]) : "?";
    } });
  const { blocks, buildBlocks, paintBlocks, paintNorms, mark, aim } = maps;

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
      b.setAttribute("aria-label", b.title);
      b.innerHTML = `<canvas width="28" height="28" aria-hidden="true"></canvas><span>#${d}</span>`;
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
    // cells scale with the width; on a phone each stage has a row of its own: as wide as
    // the widest stage (conv1's three maps, 285 px at k = 1) allows
    const width = (el.clientWidth || 1000) - 10;
    const k = Math.min(2.0, Math.max(0.85, width < 600 ? width / 285 : width / 1000));
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
      `(p = ${fmtP(D.p[entry.predicted])}); the loss is for the label ${D.target}.</div>` +
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
    if (b) {
      clearPad();   // another digit: the pad no longer shows what is on screen
      set({ digit: Number(b.dataset.digit), target: -1 }, ev.timeStamp, "digit");
    }
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
    if (Number.isFinite(d)) {
      clearPad();
      set({ digit: d, target: -1 }, ev.timeStamp, "digit");
    }
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
    if (!map) return;
    aim(b, cx, cy);
    set({ stage: b.name, unit: map.at(map.m, cy - map.y0, cx - map.x0) }, ev.timeStamp, "click");
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
  function clearPad() {
    ink.fill(0);
    paintPad();
  }
  $(".cnn-clear").addEventListener("click", clearPad);
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
  el.cnnNetwork = { unitView: (stage, index) => unitView(dataOf(values), stage, index), fmt3, fmtP,
    values: () => ({ ...values }), kernel: () => kernel, ink: () => Array.from(ink, (v) => Math.round(v)),
    array: (kind, name) => Array.from(kind === "fwd" ? dataOf(values).act[name]
      : kind === "bwd" ? dataOf(values).del[name] : kind === "grad" ? dataOf(values).grads[name]
        : store.weights[name]),
    scale: (dir, name) => blocks[`${dir}:${name}`].scale };
  const practice = attachPractice(model, el, (v) => set(v, performance.now(), "practice"));
  draw();
  load();
  try {
    model.send({ kind: "hello" });   // a kernel answers; a static page has none
  } catch (err) { /* no kernel */ }
  return () => {
    practice();
    resized.disconnect();
    model.off("msg:custom", onMsg);
    model.off("change:values", onValues);
    model.off("change:table", load);
  };
}

export default { render };
