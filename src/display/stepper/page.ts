/**
 * The stepper's page: one self-contained block of HTML, CSS and plain ES5 that lets a
 * student be the scheduler. No kernel, server or network behind it: the whole step tree
 * travels with the output, so it works the same in Notebook 6/7, JupyterLab and in the
 * HTML that `npm run export` writes. Where scripts do not run, the text inside the block
 * says so.
 *
 * Elements carry data-role attributes (step-a, undo, reset, outcome, replay, ...) that
 * the browser tests click and read.
 */
import { scriptSafeJson } from "../html-output";
import type { PackedStepTree } from "./pack";

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Scoped styles: fits a 960 px output area; long lines wrap, nothing scrolls sideways. */
function css(id: string): string {
  const r = `#${id}`;
  return `
${r}{font:13px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;max-width:940px;box-sizing:border-box;border:1px solid #c9d1d9;border-radius:6px;padding:10px 12px;color:#1f2328;background:#fff}
${r} *{box-sizing:border-box}
${r} h4{margin:0 0 2px;font-size:15px}
${r} .sum{color:#57606a;margin:0 0 6px}
${r} .bar{display:flex;flex-wrap:wrap;gap:6px;align-items:center;margin:6px 0}
${r} .bar .st{margin-left:auto;color:#57606a}
${r} button{font:inherit;padding:3px 10px;border:1px solid #8c959f;border-radius:4px;background:#f6f8fa;cursor:pointer}
${r} button:disabled{cursor:not-allowed;opacity:.45}
${r} button.go{background:#0969da;color:#fff;border-color:#0969da}
${r} button.pre{background:#bf8700;color:#fff;border-color:#bf8700}
${r} .tasks{display:grid;gap:8px;grid-template-columns:repeat(auto-fit,minmax(200px,1fr))}
${r} .task{border:1px solid #d0d7de;border-radius:5px;padding:6px 8px;min-width:0}
${r} .task.last{border-color:#0969da;box-shadow:0 0 0 1px #0969da inset}
${r} .task .hd{font-weight:600}
${r} .task .state{font-weight:400;color:#57606a}
${r} code,${r} pre{font:12px/1.35 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:anywhere;word-break:break-word;white-space:pre-wrap}
${r} .at{color:#0550ae}
${r} .why{color:#57606a;font-size:12px}
${r} table{border-collapse:collapse;width:100%;margin:6px 0;table-layout:fixed}
${r} td{border-top:1px solid #eaeef2;padding:2px 6px;vertical-align:top;text-align:left;overflow-wrap:anywhere}
${r} td:first-child{width:28%;color:#57606a}
${r} pre.log{max-height:190px;overflow-y:auto;overflow-x:hidden;background:#f6f8fa;border-radius:4px;padding:6px;margin:6px 0}
${r} .end{padding:6px 8px;border-radius:5px;margin:6px 0}
${r} .end.bad{background:#ffebe9;border:1px solid #cf222e}
${r} .end.good{background:#dafbe1;border:1px solid #1a7f37}
${r} .replay{font-weight:600;user-select:all}
`;
}

/**
 * The page-side program (ES5). State: the stack of visited nodes. Each node of the
 * packed tree names its children, so a click is an index lookup; undo pops.
 */
const PROGRAM = `function pfnlabStepper(root, T) {
  var S = T.strings;
  function s(i) { return S[i]; }
  function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; }
  var stack = [0], picks = [];
  function node(i) { return T.nodes[i]; }
  function render() {
    var id = stack[stack.length - 1], n = node(id);
    var step = n[0], pre = n[1], tasks = n[2], locks = n[3], view = n[4], log = n[5], next = n[6], pmask = n[7], dflt = n[8], end = n[9];
    root.innerHTML = "";
    root.appendChild(el("h4", "", "Be the scheduler: " + T.scenario));
    root.appendChild(el("p", "sum", T.summary + " (" + T.params + ")"));
    var bar = el("div", "bar");
    var undo = el("button", "", "\\u21b6 Undo"); undo.setAttribute("data-role", "undo"); undo.disabled = stack.length < 2;
    undo.onclick = function () { stack.pop(); picks.pop(); render(); };
    var reset = el("button", "", "\\u27f2 Reset"); reset.setAttribute("data-role", "reset"); reset.disabled = stack.length < 2;
    reset.onclick = function () { stack = [0]; picks = []; render(); };
    var auto = el("button", "", "Run default to the end"); auto.setAttribute("data-role", "auto"); auto.disabled = !!end;
    auto.onclick = function () {
      for (;;) { var m = node(stack[stack.length - 1]); if (m[9] || m[8] < 0) break; stack.push(m[6][m[8]]); picks.push(m[8]); }
      render();
    };
    bar.appendChild(undo); bar.appendChild(reset); bar.appendChild(auto);
    var st = el("span", "st", "step " + step + " \\u00b7 preemptions " + pre + " of " + T.bound + " allowed \\u00b7 your schedule: " + (picks.length ? picks.map(function (k) { return s(T.tasks[tasks[k]][0]); }).join("") : "(none yet)"));
    st.setAttribute("data-role", "status");
    bar.appendChild(st);
    root.appendChild(bar);
    var grid = el("div", "tasks");
    var lastTask = picks.length ? picks[picks.length - 1] : -1;
    for (var k = 0; k < tasks.length; k++) {
      var tv = T.tasks[tasks[k]];
      var box = el("div", "task" + (k === lastTask ? " last" : ""));
      box.setAttribute("data-role", "task-" + s(tv[0]));
      var hd = el("div", "hd", s(tv[0]) + " \\u00b7 " + s(tv[1]) + " ");
      hd.appendChild(el("span", "state", "(" + s(tv[2]) + ")"));
      box.appendChild(hd);
      if (s(tv[3])) { var at = el("code", "at", s(tv[3])); at.setAttribute("data-role", "at-" + s(tv[0])); box.appendChild(el("div")).appendChild(at); }
      box.appendChild(el("code", "", s(tv[4])));
      if (tv[5].length) box.appendChild(el("div", "why", "holds " + tv[5].map(s).join(", ")));
      var nx = next[k];
      var b = el("button", (pmask >> k) & 1 ? "pre" : "go", "Step " + s(tv[1]) + ((pmask >> k) & 1 ? " (preempts)" : ""));
      b.setAttribute("data-role", "step-" + s(tv[0]));
      b.disabled = nx < 0;
      if (nx === -1) b.title = "that would be preemption number " + (pre + 1) + "; this page allows " + T.bound;
      (function (child, task) { b.onclick = function () { stack.push(child); picks.push(task); render(); }; })(nx, k);
      var wrap = el("div"); wrap.style.marginTop = "4px";
      if (nx !== -2 || s(tv[2]) === "runnable" || s(tv[2]) === "blocked") wrap.appendChild(b);
      if (nx === -1) wrap.appendChild(el("div", "why", "preemption budget used up (" + T.bound + ")"));
      if (k === dflt) wrap.appendChild(el("div", "why", "default: runs on without a preemption"));
      box.appendChild(wrap);
      grid.appendChild(box);
    }
    root.appendChild(grid);
    var tab = el("table"); tab.setAttribute("data-role", "state");
    function row(a, v, role) { var tr = el("tr"); tr.appendChild(el("td", "", a)); var td = el("td", "", v); if (role) td.setAttribute("data-role", role); tr.appendChild(td); tab.appendChild(tr); }
    for (var j = 0; j + 1 < view.length; j += 2) row(s(view[j]), s(view[j + 1]), s(view[j]) === "sanitizer" ? "verdict" : "");
    for (var q = 0; q < locks.length; q++) {
      var lv = T.locks[locks[q]];
      row(s(lv[0]), (lv[1].length ? "held by " + lv[1].map(s).join(", ") : "free") + (lv[2].length ? "; waiting: " + lv[2].map(s).join(", ") : ""), "");
    }
    root.appendChild(tab);
    if (end) {
      var bad = end[2] === 1;
      var box2 = el("div", "end " + (bad ? "bad" : "good"));
      box2.setAttribute("data-role", "outcome");
      box2.appendChild(el("div", "", "Finished: " + end[0].map(s).join(", ") + (bad ? " \\u2014 a failure. Reproduce it with:" : " \\u2014 no failure on this schedule.")));
      var rp = el("code", "replay", s(end[4])); rp.setAttribute("data-role", "replay"); rp.setAttribute("data-replay", s(end[3]));
      box2.appendChild(el("div")).appendChild(rp);
      root.appendChild(box2);
    }
    var lines = [];
    for (var h = 1; h < stack.length; h++) { var lg = node(stack[h])[5]; for (var z = 0; z < lg.length; z++) lines.push(s(lg[z])); }
    var pre2 = el("pre", "log", lines.length ? lines.join("\\n") : "(the trace appears here as you step)");
    pre2.setAttribute("data-role", "log");
    root.appendChild(pre2);
    pre2.scrollTop = pre2.scrollHeight;
  }
  render();
}`;

/** The whole block: styles, a placeholder for pages without scripts, the data and the program. */
export function stepperHtml(packed: PackedStepTree, id: string): string {
  return `<div id="${esc(id)}" class="pfnlab-stepper"><style>${css(id)}</style>
<p><b>Be the scheduler: ${esc(packed.scenario)}</b> (${esc(packed.params)}). This interactive stepper needs scripts:
run the cell in Jupyter, or open the exported HTML in a browser. From a terminal: <code>npx pfnlab step ${esc(packed.scenario)}</code>.</p></div>
<script type="text/javascript">
(function () {
${PROGRAM}
  var root = document.getElementById(${scriptSafeJson(id)});
  if (!root) return;
  var style = root.querySelector("style");
  var T = ${scriptSafeJson(packed)};
  var body = document.createElement("div");
  root.innerHTML = "";
  if (style) root.appendChild(style);
  root.appendChild(body);
  pfnlabStepper(body, T);
})();
</script>`;
}
