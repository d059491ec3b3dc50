// grid.js: one panel of an explorer as an SVG string (a grid of numbers, outlines, crosses),
// and the colour rules every explorer shares (the network explorer too).
// The numbers arrive as text written by Python (cnnlib.plotting._format): nothing is computed
// here but colours, sizes and positions. Same colour maps and ink rule as cnnlib/explorers/_svg.py.

const RDBU_R = ["#053061", "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7",
  "#fddbc7", "#f4a582", "#d6604d", "#b2182b", "#67001f"];
const GREYS = ["#ffffff", "#f0f0f0", "#d9d9d9", "#bdbdbd", "#969696", "#737373", "#525252",
  "#252525", "#000000"];

function hexRgb(h) {
  return [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));
}
const ANCHORS = { 1: RDBU_R.map(hexRgb), 0: GREYS.map(hexRgb) };

// [r, g, b] of value v on the panel's scale lo..hi (clipped), linear between the anchors
function cellColour(v, lo, hi, signed) {
  const a = ANCHORS[signed ? 1 : 0];
  const t = hi <= lo ? 0.5 : Math.min(Math.max((v - lo) / (hi - lo), 0), 1);
  const x = t * (a.length - 1);
  const k = Math.min(Math.floor(x), a.length - 2);
  return [0, 1, 2].map((i) => Math.round(a[k][i] + (a[k + 1][i] - a[k][i]) * (x - k)));
}

// ------------------------------------------------------------------ contrast (WCAG 2)
function luminance(rgb) {
  const lin = rgb.map((v) => {
    const c = v / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
}

function contrast(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (hi + 0.05) / (lo + 0.05);
}

// a number on a cell of colour rgb is written white where white contrasts more than black
// (then each number reaches at least 4.58:1, whatever its cell's colour)
const DARK = new Map();   // rgb -> isDark (a view draws many cells of few colours)
function isDark(rgb) {
  const key = rgb[0] * 65536 + rgb[1] * 256 + rgb[2];
  if (!DARK.has(key)) DARK.set(key, contrast(rgb, [255, 255, 255]) > contrast(rgb, [0, 0, 0]));
  return DARK.get(key);
}
const inkOn = (rgb) => (isDark(rgb) ? "#fff" : "#000");

function esc(s) {
  return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

// the cells' texts of a grid blob: rows split by ';', cells by ','
function parseCells(text) {
  return text.split(";").map((row) => row.split(","));
}

const M = { left: 22, top: 22, bottom: 17, right: 6 };   // margins around the cells, px
const INSET = 5;   // px of a cell's edge an outline (and its halo) may cover: numbers stay inside

// the width in px of a text as drawn at `size` px in the page's font, measured once
const WIDTHS = new Map();
let measurer = null;
function textWidth(text, size) {
  const key = `${size}|${text}`;
  if (!WIDTHS.has(key)) {
    measurer = measurer || document.createElement("canvas").getContext("2d");
    measurer.font = `${size}px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif`;
    WIDTHS.set(key, Math.ceil(measurer.measureText(text).width));
  }
  return WIDTHS.get(key);
}
const titleWidth = (title) => textWidth(title, 13) + 6;

// the widest number of a grid, in px at 10 px
function widestNumber(cells) {
  let most = 0;
  for (const row of cells) for (const t of row) if (t.length) most = Math.max(most, textWidth(t, 10));
  return most;
}

// the smallest cell (px) in which every number of a grid fits at 10 px inside the outlines
const minCell = (widest) => Math.max(16, Math.ceil(widest + 2 * INSET));

// the font size (px) of a panel's numbers at cell size `cell`: 10 to 15, each number inside
function numberSize(cell, widest) {
  const fit = widest > 0 ? (10 * (cell - 2 * INSET)) / widest : 15;
  return Math.max(10, Math.min(15, Math.round(cell * 0.42), Math.floor(fit)));
}

// size in px of a panel of nr x nc cells at cell size `cell` (its title's width counts too)
function panelSize(nr, nc, cell, title) {
  const w = Math.max(M.left + nc * cell + M.right, M.left + titleWidth(title));
  return [Math.ceil(w), Math.ceil(M.top + nr * cell + M.bottom)];
}

// what a screen reader hears for a panel
function panelLabel(p, nr, nc, clickable) {
  return `${p.t}: ${nr} by ${nc} grid` +
    (clickable ? ", arrow keys move, Enter or Space picks the cell" : "");
}

// crosses over the cells `marks`, drawn in each cell's ink (black or white) under its number
function crossesSVG(marks, colours, x0, y0, cell) {
  const e = cell * 0.24, paths = { "#000": "", "#fff": "" };
  for (const [r, c] of marks) {
    const x = x0 + c * cell, y = y0 + r * cell;
    paths[inkOn(colours[r][c])] += `M${x + e},${y + e}L${x + cell - e},${y + cell - e}` +
      `M${x + e},${y + cell - e}L${x + cell - e},${y + e}`;
  }
  return Object.entries(paths).filter(([, d]) => d)
    .map(([ink, d]) => `<path class="cnn-mark" d="${d}" stroke="${ink}"/>`).join("");
}

// the SVG of panel p (index i of the view): cells[r][c] texts, p.lo/p.hi/p.s colour scale,
// p.o label origin, p.f dashed frame, p.b outlines, marks = crossed cells, clickable: the
// panel takes clicks and keys (a tab stop; explorer.js draws its keyboard cursor)
function panelSVG(p, i, cells, marks, clickable, cell) {
  const nr = cells.length, nc = cells[0].length;
  const [w, h] = panelSize(nr, nc, cell, p.t);
  const fs = numberSize(cell, widestNumber(cells));
  const x0 = M.left, y0 = M.top;
  const role = clickable ? `tabindex="0" role="group"` : `role="img"`;
  const out = [`<svg class="cnn-panel${clickable ? " cnn-click" : ""}" data-i="${i}" ` +
    `data-panel="${esc(p.n)}" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" ${role} ` +
    `aria-label="${esc(panelLabel(p, nr, nc, clickable))}">`,
    `<text class="cnn-title" x="${x0}" y="14">${esc(p.t)}</text>`];
  const crossed = new Set(marks.map(([r, c]) => `${r},${c}`));
  const colours = cells.map((row) => row.map((t) => cellColour(t === "" ? 0 : parseFloat(t),
    p.lo, p.hi, p.s)));
  const nums = [];
  for (let r = 0; r < nr; r++) {
    for (let c = 0; c < nc; c++) {
      const text = cells[r][c], rgb = colours[r][c];
      const x = x0 + c * cell, y = y0 + r * cell;
      out.push(`<rect class="cnn-cell" data-r="${r}" data-c="${c}" x="${x}" y="${y}" ` +
        `width="${cell}" height="${cell}" fill="rgb(${rgb})"/>`);
      if (text !== "") {   // written after the crosses: a crossed number keeps a halo of its cell
        const halo = crossed.has(`${r},${c}`) ? ` class="v cnn-crossed" stroke="rgb(${rgb})"`
          : ` class="v"`;
        nums.push(`<text${halo} data-r="${r}" data-c="${c}" x="${x + cell / 2}" ` +
          `y="${y + cell / 2}" font-size="${fs}" fill="${inkOn(rgb)}">${text}</text>`);
      }
    }
  }
  const gx = x0 + nc * cell, gy = y0 + nr * cell;
  let lines = "";
  for (let c = 0; c <= nc; c++) lines += `M${x0 + c * cell},${y0}V${gy}`;
  for (let r = 0; r <= nr; r++) lines += `M${x0},${y0 + r * cell}H${gx}`;
  out.push(`<path class="cnn-lines" d="${lines}"/>`);
  if (marks.length) out.push(crossesSVG(marks, colours, x0, y0, cell));
  out.push(...nums);
  if (p.f) {
    const [r, c, fh, fw] = p.f;
    out.push(`<rect class="cnn-frame" x="${x0 + c * cell}" y="${y0 + r * cell}" ` +
      `width="${fw * cell}" height="${fh * cell}"/>`);
  }
  for (const [r, c, bh, bw, col] of p.b) {   // outlines: a white halo, then the colour
    const a = `x="${x0 + c * cell + 2}" y="${y0 + r * cell + 2}" width="${bw * cell - 4}" ` +
      `height="${bh * cell - 4}"`;
    out.push(`<rect class="cnn-box-halo" ${a}/><rect class="cnn-box" ${a} stroke="${col}"/>`);
  }
  for (let c = 0; c < nc; c++) {
    out.push(`<text class="cnn-index" x="${x0 + (c + 0.5) * cell}" y="${gy + 12}">` +
      `${c + p.o[1]}</text>`);
  }
  for (let r = 0; r < nr; r++) {
    out.push(`<text class="cnn-index cnn-row" x="${x0 - 4}" y="${y0 + (r + 0.5) * cell}">` +
      `${r + p.o[0]}</text>`);
  }
  out.push("</svg>");
  return out.join("");
}

// Escape in an explorer: the focus leaves it (JupyterLab's notebook then takes the key)
function leave(el) {
  const a = document.activeElement;
  if (a && el.contains(a) && a.blur) a.blur();
}

// the keyboard cursor of a panel at cell (r, c): a ring drawn over the cell's border
function cursorSVG(r, c, cell) {
  const a = `x="${M.left + c * cell}" y="${M.top + r * cell}" width="${cell}" height="${cell}"`;
  return `<g class="cnn-cursor" pointer-events="none"><rect class="cnn-cursor-halo" ${a}/>` +
    `<rect class="cnn-cursor-ring" ${a}/></g>`;
}

// ------------------------------------------------------------------ picking with the keyboard
// The panels that take picks are tab stops. In a focused panel the arrow keys move a cursor
// (a ring on one cell; Home/End: first/last column, PageUp/PageDown: first/last row), Enter
// or Space picks the cell, and a screen reader hears the cell's labels and number. A mouse
// click picks without taking the focus (the notebook keeps its shortcuts).
// ctx: {el, picBox, srBox, view() -> {panels, grids, cells}, pick(i, r, c, t0) -> picked?,
// target(i, r, c) -> what a pick there sets (or nothing)}. Returns {focused, refocus, aim}.
function keyboardPicking(ctx) {
  const { el, picBox, srBox } = ctx;
  const cursors = {};   // panel name -> [row, col] of its cursor

  function focused() {   // {i, name} of the panel that has the focus, or null
    const a = document.activeElement;
    if (!a || !picBox.contains(a) || !a.matches("svg.cnn-panel")) return null;
    return { i: Number(a.dataset.i), name: a.dataset.panel };
  }

  function refocus({ i, name }) {   // after a redraw: the focus back on the same panel
    const svgs = [...picBox.children];
    const svg = svgs.find((s) => s.dataset.panel === name && s.matches(".cnn-click")) ||
      (svgs[i] && svgs[i].matches(".cnn-click") ? svgs[i] : null);
    if (!svg) return;
    if (document.activeElement !== svg) svg.focus({ preventScroll: true });
    show(svg);
  }

  function cursorOf(i) {   // [row, col] of panel i's cursor: where it was, else its outline
    const view = ctx.view(), p = view.panels[i], g = view.grids[i];
    const one = p.b.find((b) => b[2] === 1 && b[3] === 1) || p.b[0];
    const [r, c] = cursors[p.n] || (one ? [one[0], one[1]] : [0, 0]);
    return [Math.min(Math.max(r, 0), g.length - 1), Math.min(Math.max(c, 0), g[0].length - 1)];
  }

  function show(svg) {
    const i = Number(svg.dataset.i), view = ctx.view();
    const [r, c] = (cursors[view.panels[i].n] = cursorOf(i));
    const old = svg.querySelector(".cnn-cursor");
    if (old) old.remove();
    svg.insertAdjacentHTML("beforeend", cursorSVG(r, c, view.cells[i]));
  }

  function say(svg) {   // the cursor's cell, for a screen reader
    const i = Number(svg.dataset.i), p = ctx.view().panels[i];
    const [r, c] = cursorOf(i);
    const text = ctx.view().grids[i][r][c];
    srBox.textContent = `${p.t}: row ${r + p.o[0]}, column ${c + p.o[1]}: ` +
      `${text === "" ? "empty" : text}${ctx.target(i, r, c) ? "" : ", nothing to pick here"}`;
  }

  const MOVES = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1],
    Home: [0, -1e4], End: [0, 1e4], PageUp: [-1e4, 0], PageDown: [1e4, 0] };
  picBox.addEventListener("keydown", (ev) => {
    const svg = ev.target.closest && ev.target.closest("svg.cnn-panel.cnn-click");
    if (!svg || !ctx.view()) return;
    el.classList.add("cnn-keys");
    const i = Number(svg.dataset.i), move = MOVES[ev.key];
    if (move) {
      ev.preventDefault();
      const [r, c] = cursorOf(i);
      cursors[ctx.view().panels[i].n] = [r + move[0], c + move[1]];
      show(svg);
      say(svg);
    } else if (ev.key === "Enter" || ev.key === " ") {
      ev.preventDefault();
      const [r, c] = cursorOf(i);
      if (!ctx.pick(i, r, c, ev.timeStamp)) say(svg);
    }
  });
  picBox.addEventListener("mousedown", (ev) => {
    if (ev.target.closest("svg.cnn-panel.cnn-click")) ev.preventDefault();
  });
  picBox.addEventListener("focusin", (ev) => {
    const svg = ev.target.closest && ev.target.closest("svg.cnn-panel.cnn-click");
    if (svg && ctx.view()) show(svg);
  });
  // the cursor shows while the keyboard is used (and on a focus by Tab: :focus-visible)
  el.addEventListener("pointerdown", () => el.classList.remove("cnn-keys"));

  return { focused, refocus, aim: (name, r, c) => { cursors[name] = [r, c]; } };
}
