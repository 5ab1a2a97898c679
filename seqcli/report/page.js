// seqcli report: draws the figures (Vega-Lite specs in #charts) and the gates views. Offline:
// the runtime is inlined above, and nothing here fetches anything.
"use strict";
(function () {
  const specs = JSON.parse(document.getElementById("charts").textContent);
  for (const [id, spec] of Object.entries(specs)) {
    vegaEmbed("#" + CSS.escape(id), spec, { actions: false, renderer: "svg" })
      .catch((err) => console.error("figure " + id + ": " + err));
  }
  document.querySelectorAll("script.gates-data").forEach((node) => {
    gatesView(node.previousElementSibling, JSON.parse(node.textContent));
  });
})();

function half(bits) {
  // An IEEE 754 half as a number (Float16Array is too new to rely on).
  const sign = bits & 0x8000 ? -1 : 1, exponent = (bits >> 10) & 31, fraction = bits & 1023;
  if (exponent === 0) return sign * Math.pow(2, -14) * (fraction / 1024);
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * Math.pow(2, exponent - 15) * (1 + fraction / 1024);
}

function decode(text) {
  const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  const view = new DataView(bytes.buffer), out = new Float64Array(bytes.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = half(view.getUint16(2 * i, true));
  return out;
}

function element(tag, attributes, text) {
  const node = document.createElement(tag);
  Object.entries(attributes || {}).forEach(([k, v]) => node.setAttribute(k, v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function colour(value, low, high) {
  // Blue below the middle of the range, red above, white at it: gates.py's terminal scale.
  const t = Math.max(-1, Math.min(1, (2 * (value - low)) / (high - low || 1) - 1));
  const fade = Math.round(255 * (1 - Math.abs(t)));
  return t >= 0 ? `rgb(255,${fade},${fade})` : `rgb(${fade},${fade},255)`;
}

function gatesView(root, data) {
  const shape = data.shape, names = Object.keys(data.records);
  const values = Object.fromEntries(names.map((n) => [n, decode(data.records[n].values)]));
  const at = (name, layer, direction, step, unit) =>
    values[name][((layer * shape.directions.length + direction) * shape.steps + step) * shape.units + unit];
  const state = { record: names.includes("h") ? "h" : names[0], layer: shape.layers - 1, direction: 0, unit: 0 };
  const pick = element("div", { class: "pick" });
  const recordPick = element("select", { class: "record" });
  names.forEach((n) => recordPick.append(element("option", { value: n }, `${n} (${data.records[n].name})`)));
  const unitPick = element("input", { class: "unit", type: "number", min: 0, max: shape.units - 1, value: 0 });
  const layerPick = element("input", { class: "layer", type: "number", min: 0, max: shape.layers - 1, value: state.layer });
  const directionPick = element("select", { class: "direction" });
  shape.directions.forEach((d, i) => directionPick.append(element("option", { value: i }, d)));
  const label = (text, input) => { const l = element("label", {}, text + " "); l.append(input); return l; };
  pick.append(label("record", recordPick), label("unit", unitPick), label("layer", layerPick));
  if (shape.directions.length > 1) pick.append(label("direction", directionPick));
  const top = element("div", { class: "top" });
  for (const [feature, rows] of Object.entries(data.top)) {
    top.append(element("span", {}, feature + ": "));
    rows.forEach((row) => {
      const button = element("button", {}, `${row.record} L${row.layer} ${row.direction} #${row.unit} (r=${row.r.toFixed(2)})`);
      button.onclick = () => choose({ record: row.record, layer: row.layer, unit: row.unit, direction: shape.directions.indexOf(row.direction) });
      top.append(button);
    });
    top.append(element("br"));
  }
  const text = element("div", { class: "text" });
  const spans = data.steps.map((step, t) => {
    const shownStep = step === "\n" ? "↵\n" : data.kind === "char" ? step : step + " ";
    const span = element("span", { "data-step": t }, shownStep);
    span.onmouseenter = () => hover(t);
    text.append(span);
    return span;
  });
  const shown = element("div", { class: "hover" }, "hover a step");
  root.append(pick, element("p", {}, "units that follow a feature of the input:"), top, text, shown);

  function bounds() {
    if (data.records[state.record].gate) return [0, 1];
    let largest = 0;
    for (let t = 0; t < shape.steps; t++) largest = Math.max(largest, Math.abs(at(state.record, state.layer, state.direction, t, state.unit)));
    return [-(largest || 1), largest || 1];
  }
  function paint() {
    const [low, high] = bounds();
    spans.forEach((span, t) => { span.style.background = colour(at(state.record, state.layer, state.direction, t, state.unit), low, high); });
  }
  function hover(t) {
    spans.forEach((span) => span.classList.remove("on"));
    spans[t].classList.add("on");
    shown.textContent = "";
    shown.append(element("div", {}, `step ${t} ${JSON.stringify(data.steps[t])}, layer ${state.layer}, ${shape.directions[state.direction]}, unit ${state.unit}`));
    names.forEach((n) => {
      const v = at(n, state.layer, state.direction, t, state.unit);
      const row = element("div", { class: "value", "data-record": n }, `${n} = ${v.toFixed(3)}`);
      if (n === state.record) row.style.fontWeight = "bold";
      shown.append(row);
    });
  }
  function choose(change) {
    Object.assign(state, change);
    recordPick.value = state.record; unitPick.value = state.unit; layerPick.value = state.layer; directionPick.value = state.direction;
    paint();
  }
  const clamp = (v, hi) => Math.max(0, Math.min(hi, parseInt(v, 10) || 0));
  recordPick.onchange = () => choose({ record: recordPick.value });
  unitPick.oninput = () => choose({ unit: clamp(unitPick.value, shape.units - 1) });
  layerPick.oninput = () => choose({ layer: clamp(layerPick.value, shape.layers - 1) });
  directionPick.onchange = () => choose({ direction: clamp(directionPick.value, shape.directions.length - 1) });
  choose({});
}

document.querySelectorAll("script.recall-data").forEach((node) => {
  recallView(node.previousElementSibling, JSON.parse(node.textContent));
});

function recallView(root, data) {
  // Each state of the recall as a grid of cells, the slider choosing the iteration.
  const slider = element("input", { class: "iteration", type: "range", min: 0, max: data.states.length - 1, value: 0 });
  const shown = element("div", { class: "energy" });
  const size = 12, grid = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  grid.setAttribute("width", data.columns * size);
  grid.setAttribute("height", data.rows * size);
  grid.setAttribute("class", "pattern");
  const cells = data.states[0].map((_, i) => {
    const cell = document.createElementNS("http://www.w3.org/2000/svg", "rect");
    cell.setAttribute("x", (i % data.columns) * size);
    cell.setAttribute("y", Math.floor(i / data.columns) * size);
    cell.setAttribute("width", size - 1);
    cell.setAttribute("height", size - 1);
    grid.append(cell);
    return cell;
  });
  function draw() {
    const k = parseInt(slider.value, 10);
    data.states[k].forEach((v, i) => cells[i].setAttribute("fill", v > 0 ? "#222" : "#eee"));
    shown.textContent = `iteration ${k} of ${data.states.length - 1}: energy ${data.energies[k].toFixed(4)}`;
  }
  slider.oninput = draw;
  root.append(slider, shown, grid);
  draw();
}

document.querySelectorAll("script.attention-data").forEach((node) => {
  attentionView(node.previousElementSibling, JSON.parse(node.textContent));
});

function attentionView(root, sentences) {
  // Each written word lights the source words by the weight it gave them (a row of weights).
  sentences.forEach((sentence) => {
    const block = element("div", { class: "sentence" });
    const source = sentence.source.map((word) => element("span", { class: "source" }, word + " "));
    const written = element("div", { class: "written" });
    sentence.target.forEach((word, row) => {
      const span = element("span", { class: "target", "data-row": row }, word + " ");
      span.onmouseenter = () => source.forEach((s, col) => {
        const weight = sentence.weights[row][col];
        s.style.background = `rgba(228,87,86,${weight})`;
        s.title = `attention ${weight.toFixed(3)}`;
        s.dataset.weight = weight.toFixed(3);
      });
      written.append(span);
    });
    const from = element("div", {}, "source: "), to = element("div", {}, "reference: " + sentence.reference);
    source.forEach((s) => from.append(s));
    written.prepend("written: ");
    block.append(from, written, to);
    root.append(block);
  });
}
