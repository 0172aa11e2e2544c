// The explorer's script (autograd/viz/explore.py writes it into every page it makes).
// It reads the page's data (one JSON element), and only ever puts text into the page
// (textContent, never HTML), so a label such as "<img onerror=...>" shows as written.
// window.chaingradExplorer gives tests and curious readers the same moves as the controls.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("explorer-data").textContent);
  const svg = document.querySelector("svg.graph");
  const panel = document.getElementById("panel");
  const slider = document.getElementById("step-slider");
  const stepText = document.getElementById("step-text");
  const playButton = document.getElementById("step-play");
  const steps = data.steps;
  const last = steps.length; // the position after the last step: backward done
  const doneText = stepText.textContent; // what the page says when backward is done, as written in Python

  const boxes = {}; // node -> its boxes (a value drawn again beside a distant use has two)
  for (const g of svg.querySelectorAll("g.value")) {
    (boxes[g.dataset.node] = boxes[g.dataset.node] || []).push(g);
  }
  const edgeById = {};
  for (const g of svg.querySelectorAll("g.edge[data-edge]")) edgeById[g.dataset.edge] = g;

  let position = last;
  let selected = null; // a node id
  let shownPath = -1; // -1: every path of the selected node; else one of them
  let timer = null;

  function element(tag, text, className) {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (className) e.className = className;
    return e;
  }

  // -- stepping -----------------------------------------------------------------------------------

  function stateOf(node) {
    if (position === last) return "final";
    const s = data.nodes[node].step;
    return s < position ? "computed" : s === position ? "current" : "pending";
  }

  function showStep(p) {
    position = Math.max(0, Math.min(last, p));
    for (const node in boxes) {
      const state = stateOf(node);
      const text = state === "pending" ? data.pending : "grad " + data.nodes[node].grad;
      for (const g of boxes[node]) {
        g.classList.remove("pending", "current", "computed");
        if (state !== "final") g.classList.add(state);
        g.querySelector("text.grad").textContent = text;
      }
    }
    for (const id in edgeById) edgeById[id].classList.remove("active");
    if (position < last) {
      const step = steps[position];
      for (const id of step.edges) if (edgeById[id]) edgeById[id].classList.add("active");
      stepText.textContent =
        "Step " + (step.index + 1) + " of " + data.totalSteps + ": " + step.text;
    } else {
      stepText.textContent = doneText;
    }
    slider.value = String(position);
    document.body.dataset.step = String(position);
    if (selected !== null) showPanel();
  }

  function next() {
    showStep(position === last ? 0 : position + 1);
  }

  function play() {
    if (timer !== null) {
      clearInterval(timer);
      timer = null;
      playButton.textContent = "play";
      return;
    }
    if (position === last) showStep(0);
    playButton.textContent = "pause";
    timer = setInterval(function () {
      if (position >= last) return play();
      showStep(position + 1);
    }, 900);
  }

  // -- the panel of a selected value ---------------------------------------------------------------

  function select(node) {
    if (selected !== null) for (const g of boxes[selected] || []) g.classList.remove("selected");
    selected = node === null || data.nodes[node] === undefined ? null : String(node);
    shownPath = -1;
    if (selected === null) {
      panel.replaceChildren();
      panel.hidden = true; // the graph takes the whole width again
      lightPaths();
      return;
    }
    panel.hidden = false;
    for (const g of boxes[selected] || []) g.classList.add("selected");
    showPanel();
  }

  function showPanel() {
    const info = data.nodes[selected];
    const state = stateOf(selected);
    const close = element("button", "×", "close");
    close.type = "button";
    close.title = "close (Esc)";
    close.addEventListener("click", function () { select(null); });
    const parts = [close, element("h2", info.name), element("p", info.definition, "definition")];
    const facts = element("dl");
    const gradValue =
      state === "pending"
        ? "not yet computed (step " + (steps[info.step].index + 1) + " computes it)"
        : info.grad + "  (" + info.gradFull + ")";
    for (const [term, value, cls] of [
      ["data", info.data + "  (" + info.dataFull + ")", ""],
      ["grad " + info.gradName, gradValue, state === "pending" ? "pending" : ""],
    ]) {
      facts.append(element("dt", term), element("dd", value, cls || undefined));
    }
    parts.push(facts);
    if (info.locals.length) {
      parts.push(element("h3", "local derivatives to its inputs"));
      const list = element("ul");
      for (const local of info.locals) {
        const item = element("li", local.text + " ");
        item.append(element("span", "(" + local.rule + ")", "rule"));
        list.append(item);
      }
      parts.push(list);
    }
    const stepNumber = steps[info.step].index + 1;
    if (state === "pending") { // the sums would give the answer away before backward gets there
      parts.push(element("h3", "its gradient"));
      parts.push(element("p", "Backward has not reached " + info.name + " yet: step " + stepNumber +
        " computes its gradient. Press → to go on, or done to see every gradient.", "hint"));
      panel.replaceChildren(...parts);
      panel.dataset.node = selected;
      lightPaths();
      return;
    }
    parts.push(element("h3", "its gradient, from the values that use it (step " + stepNumber + ")"));
    parts.push(element("pre", steps[info.step].text));
    parts.push(element("h3", "its gradient as a sum over chain-rule paths (explain)"));
    if (info.paths.length > 1) {
      const choose = element("div", undefined, "paths");
      const all = element("button", "all paths", shownPath === -1 ? "on" : "");
      all.type = "button";
      all.addEventListener("click", function () { shownPath = -1; showPanel(); });
      choose.append(all);
      info.paths.forEach(function (_, k) {
        const b = element("button", "path " + (k + 1), shownPath === k ? "on" : "");
        b.type = "button";
        b.addEventListener("click", function () { shownPath = k; showPanel(); });
        choose.append(b);
      });
      parts.push(choose);
    }
    parts.push(element("pre", info.explain));
    panel.replaceChildren(...parts);
    panel.dataset.node = selected;
    lightPaths();
  }

  function lightPaths() {
    for (const id in edgeById) edgeById[id].classList.remove("on-path");
    let lit = [];
    if (selected !== null) {
      const paths = data.nodes[selected].paths;
      lit = shownPath === -1 ? [].concat(...paths) : paths[shownPath] || [];
    }
    for (const id of lit) if (edgeById[id]) edgeById[id].classList.add("on-path");
    svg.classList.toggle("has-path", lit.length > 0);
  }

  // -- zoom and pan: the SVG's viewBox, kept at the canvas' aspect ratio ------------------------------

  const full = svg.viewBox.baseVal;
  const home = { x: full.x, y: full.y, w: full.width, h: full.height };
  let view = Object.assign({}, home);
  let fitted = true; // whether the view is the fitted one, not zoomed or panned since

  function setView(v, byFit) {
    view = v;
    fitted = byFit === true;
    svg.setAttribute("viewBox", [v.x, v.y, v.w, v.h].map(function (n) { return n.toFixed(2); }).join(" "));
  }

  function fit() {
    const box = svg.getBoundingClientRect();
    const aspect = box.width > 0 && box.height > 0 ? box.width / box.height : home.w / home.h;
    const margin = 10;
    let w = home.w + 2 * margin;
    let h = home.h + 2 * margin;
    if (w / h < aspect) w = h * aspect;
    else h = w / aspect;
    setView({ x: home.x + home.w / 2 - w / 2, y: home.y + home.h / 2 - h / 2, w: w, h: h }, true);
  }

  function zoom(factor, cx, cy) {
    const box = svg.getBoundingClientRect();
    const px = cx === undefined ? 0.5 : (cx - box.left) / box.width;
    const py = cy === undefined ? 0.5 : (cy - box.top) / box.height;
    const w = Math.min(Math.max(view.w / factor, 20), home.w * 20 + 200);
    const h = w * (view.h / view.w);
    setView({ x: view.x + (view.w - w) * px, y: view.y + (view.h - h) * py, w: w, h: h });
  }

  svg.addEventListener("wheel", function (e) {
    e.preventDefault();
    zoom(Math.exp(-e.deltaY * 0.0015), e.clientX, e.clientY);
  }, { passive: false });

  let drag = null;
  svg.addEventListener("pointerdown", function (e) {
    drag = { x: e.clientX, y: e.clientY, view: Object.assign({}, view), moved: false };
  });
  svg.addEventListener("pointermove", function (e) {
    if (drag === null) return;
    const dx = e.clientX - drag.x;
    const dy = e.clientY - drag.y;
    if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
    if (!drag.moved) {
      drag.moved = true;
      svg.setPointerCapture(e.pointerId);
      svg.classList.add("dragging");
    }
    const scale = view.w / svg.getBoundingClientRect().width;
    setView({ x: drag.view.x - dx * scale, y: drag.view.y - dy * scale, w: view.w, h: view.h });
  });
  svg.addEventListener("pointerup", function (e) {
    const wasDrag = drag !== null && drag.moved;
    drag = null;
    svg.classList.remove("dragging");
    if (wasDrag) return;
    const box = e.target.closest ? e.target.closest("g.value") : null;
    select(box ? box.dataset.node : null);
  });
  for (const g of svg.querySelectorAll("g.value")) {
    g.addEventListener("keydown", function (e) {
      if (e.key === "Enter") select(g.dataset.node);
    });
  }

  // -- controls ----------------------------------------------------------------------------------

  document.getElementById("step-first").addEventListener("click", function () { showStep(0); });
  document.getElementById("step-prev").addEventListener("click", function () { showStep(position - 1); });
  document.getElementById("step-next").addEventListener("click", next);
  document.getElementById("step-last").addEventListener("click", function () { showStep(last); });
  playButton.addEventListener("click", play);
  slider.addEventListener("input", function () { showStep(Number(slider.value)); });
  document.getElementById("zoom-in").addEventListener("click", function () { zoom(1.25); });
  document.getElementById("zoom-out").addEventListener("click", function () { zoom(0.8); });
  document.getElementById("zoom-fit").addEventListener("click", fit);

  document.addEventListener("keydown", function (e) {
    if (e.target === slider || e.altKey || e.ctrlKey || e.metaKey) return; // the slider moves itself
    const keys = {
      ArrowRight: next,
      ArrowLeft: function () { showStep(position - 1); },
      Home: function () { showStep(0); },
      End: function () { showStep(last); },
      Escape: function () { select(null); },
      "+": function () { zoom(1.25); },
      "=": function () { zoom(1.25); },
      "-": function () { zoom(0.8); },
      "0": fit,
    };
    if (e.key === " " && e.target.tagName !== "BUTTON") keys[" "] = play;
    const action = keys[e.key];
    if (action) {
      e.preventDefault();
      action();
    }
  });
  // When the canvas changes size (the panel opens or closes, the window is resized), a fitted
  // graph is fitted again; one zoomed or panned by hand keeps its scale and its top left corner.
  let lastBox = null;
  new ResizeObserver(function () {
    const box = svg.getBoundingClientRect();
    if (fitted) {
      fit();
    } else if (lastBox !== null && lastBox.width > 0 && lastBox.height > 0 && box.width > 0 && box.height > 0) {
      setView({ x: view.x, y: view.y, w: view.w * box.width / lastBox.width, h: view.h * box.height / lastBox.height });
    } else if (box.width > 0 && box.height > 0) {
      fit();
    }
    lastBox = box;
  }).observe(svg);

  window.chaingradExplorer = {
    steps: last,
    step: showStep,
    select: select,
    position: function () { return position; },
    selected: function () { return selected; },
    zoom: zoom,
    fit: fit,
    view: function () { return Object.assign({}, view); },
  };
  fit();
  showStep(last);
  openLink(window.location.hash);
  window.addEventListener("hashchange", function () { openLink(window.location.hash); });

  // A link may open the page at a step and with a value selected: page.html#step=3&select=a
  // (step: the number "Step 3 of 7" shows; select: a value's name as its box shows it).
  function openLink(hash) {
    const params = new URLSearchParams(hash.replace(/^#/, ""));
    const wanted = Number(params.get("step"));
    if (Number.isInteger(wanted) && wanted > 0) {
      const p = steps.findIndex(function (step) { return step.index + 1 >= wanted; });
      showStep(p === -1 ? last : p);
    }
    const name = params.get("select");
    if (name !== null) {
      const found = Object.keys(data.nodes).find(function (node) { return data.nodes[node].name === name; });
      if (found !== undefined) select(found);
    }
  }
})();
