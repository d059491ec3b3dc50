// grid.js: one panel of an explorer as an SVG string (a grid of numbers, outlines, crosses).
// The numbers arrive as text written by Python (cnnlib.plotting._format): nothing is computed
// here but colours and positions. Same colour maps as cnnlib/explorers/_svg.py.

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

function isDark(rgb) {
  return (0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]) / 255 <= 0.55;
}

function esc(s) {
  return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

// the cells' texts of a grid blob: rows split by ';', cells by ','
function parseCells(text) {
  return text.split(";").map((row) => row.split(","));
}

const M = { left: 22, top: 22, bottom: 17, right: 6 };   // margins around the cells, px

// the width in px of a title as drawn (13 px, the page's font), measured once per title
const TITLES = new Map();
let measurer = null;
function titleWidth(title) {
  if (!TITLES.has(title)) {
    measurer = measurer || document.createElement("canvas").getContext("2d");
    measurer.font = "13px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
    TITLES.set(title, Math.ceil(measurer.measureText(title).width) + 6);
  }
  return TITLES.get(title);
}

// size in px of a panel of nr x nc cells at cell size `cell` (its title's width counts too)
function panelSize(nr, nc, cell, title) {
  const w = Math.max(M.left + nc * cell + M.right, M.left + titleWidth(title));
  return [Math.ceil(w), Math.ceil(M.top + nr * cell + M.bottom)];
}

// the SVG of panel p (index i of the view): cells[r][c] texts, p.lo/p.hi/p.s colour scale,
// p.o label origin, p.f dashed frame, p.b outlines, marks = crossed cells, clickable: cursor
function panelSVG(p, i, cells, marks, clickable, cell) {
  const nr = cells.length, nc = cells[0].length;
  const [w, h] = panelSize(nr, nc, cell, p.t);
  const fs = Math.max(10, Math.min(15, Math.round(cell * 0.42)));
  const x0 = M.left, y0 = M.top;
  const out = [`<svg class="cnn-panel${clickable ? " cnn-click" : ""}" data-i="${i}" ` +
    `data-panel="${p.n}" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">`,
    `<text class="cnn-title" x="${x0}" y="14">${esc(p.t)}</text>`];
  const nums = [];
  for (let r = 0; r < nr; r++) {
    for (let c = 0; c < nc; c++) {
      const text = cells[r][c];
      const rgb = cellColour(text === "" ? 0 : parseFloat(text), p.lo, p.hi, p.s);
      const x = x0 + c * cell, y = y0 + r * cell;
      out.push(`<rect class="cnn-cell" data-r="${r}" data-c="${c}" x="${x}" y="${y}" ` +
        `width="${cell}" height="${cell}" fill="rgb(${rgb})"/>`);
      if (text !== "") {   // written after the crosses, so a crossed number stays legible
        nums.push(`<text class="v" data-r="${r}" data-c="${c}" x="${x + cell / 2}" ` +
          `y="${y + cell / 2}" font-size="${fs}" fill="${isDark(rgb) ? "#fff" : "#000"}">` +
          `${text}</text>`);
      }
    }
  }
  const gx = x0 + nc * cell, gy = y0 + nr * cell;
  let lines = "";
  for (let c = 0; c <= nc; c++) lines += `M${x0 + c * cell},${y0}V${gy}`;
  for (let r = 0; r <= nr; r++) lines += `M${x0},${y0 + r * cell}H${gx}`;
  out.push(`<path class="cnn-lines" d="${lines}"/>`);
  if (marks.length) {   // crosses: a white halo under a dark stroke, visible on any cell
    const e = cell * 0.22;
    let d = "";
    for (const [r, c] of marks) {
      const x = x0 + c * cell, y = y0 + r * cell;
      d += `M${x + e},${y + e}L${x + cell - e},${y + cell - e}` +
        `M${x + e},${y + cell - e}L${x + cell - e},${y + e}`;
    }
    out.push(`<path class="cnn-mark-halo" d="${d}"/><path class="cnn-mark" d="${d}"/>`);
  }
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
