/**
 * The page's stylesheet. System fonts only (the page must not fetch any),
 * light and dark palettes through `prefers-color-scheme`, and SVG styled by
 * these classes so the diagrams follow the theme too.
 *
 * Differences use the console's and Jest's convention: expected-only in
 * green, observed-only in red; each also has a shape (dashed edges, − and +
 * marks) so they do not depend on colour alone.
 */
export const STYLE = `
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --border: #d1d9e0; --panel: #f6f8fa; --panel2: #eef1f4;
  --accent: #0969da; --focus: #0969da; --idle: #aab3bd; --idle-text: #6e7781;
  --pass: #1a7f37; --fail: #cf222e; --deviation: #9a6700; --error: #8250df; --skipped: #1b7c83; --na: #6e7781;
  --same: #0969da; --missing: #1a7f37; --unexpected: #cf222e; --transient: #8c959f;
  --missing-bg: #dafbe1; --unexpected-bg: #ffebe9;
  --covered: #0969da; --missed: #cf222e; --unreachable: #aab3bd;
  --f-syn: #0969da; --f-fin: #bc4c00; --f-rst: #cf222e; --f-ack: #59636e;
  --st-CLOSED: #d1d9e0; --st-LISTEN: #ddf4ff; --st-SYN_SENT: #b6e3ff; --st-SYN_RCVD: #80ccff;
  --st-ESTABLISHED: #aceebb; --st-FIN_WAIT_1: #fff1b3; --st-FIN_WAIT_2: #ffd8b5; --st-CLOSING: #ffd3eb;
  --st-CLOSE_WAIT: #e8dbff; --st-LAST_ACK: #d8b9ff; --st-TIME_WAIT: #b1f0f7;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --border: #3d444d; --panel: #151b23; --panel2: #1c2330;
    --accent: #4493f8; --focus: #58a6ff; --idle: #4d5561; --idle-text: #8b949e;
    --pass: #3fb950; --fail: #f85149; --deviation: #d29922; --error: #ab7df8; --skipped: #39c5cf; --na: #9198a1;
    --same: #4493f8; --missing: #3fb950; --unexpected: #f85149; --transient: #8b949e;
    --missing-bg: #12361f; --unexpected-bg: #4a1517;
    --covered: #4493f8; --missed: #f85149; --unreachable: #4d5561;
    --f-syn: #58a6ff; --f-fin: #f0883e; --f-rst: #ff7b72; --f-ack: #9198a1;
    --st-CLOSED: #3d444d; --st-LISTEN: #0c2d6b; --st-SYN_SENT: #1158c7; --st-SYN_RCVD: #0d419d;
    --st-ESTABLISHED: #196c2e; --st-FIN_WAIT_1: #6c4a00; --st-FIN_WAIT_2: #8a3b00; --st-CLOSING: #7d2457;
    --st-CLOSE_WAIT: #4b2c8a; --st-LAST_ACK: #6e40c9; --st-TIME_WAIT: #0e5a66;
  }
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html { background: var(--bg); color: var(--fg); }
body { margin: 0 auto; max-width: 1440px; padding: 0 20px 48px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
code, pre, .mono, .sid { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", "DejaVu Sans Mono", monospace; font-size: 12.5px; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; border-radius: 3px; }
.muted { color: var(--muted); }
.skip { position: absolute; left: -9999px; }
.skip:focus { left: 8px; top: 8px; background: var(--bg); padding: 6px 10px; z-index: 10; }
h1 { font-size: 22px; margin: 20px 0 2px; }
h2 { font-size: 18px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--border); }
h4 { font-size: 13px; margin: 18px 0 6px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.sub { margin: 0 0 8px; color: var(--muted); }
.totals { display: flex; gap: 8px; flex-wrap: wrap; margin: 6px 0 0; }
.total { padding: 3px 10px; border-radius: 999px; border: 1px solid currentColor; font-weight: 600; }
.total b { font-size: 15px; }

/* Verdicts: colour plus the word, never colour alone. */
.v-pass { color: var(--pass); } .v-fail { color: var(--fail); } .v-deviation { color: var(--deviation); }
.v-error { color: var(--error); } .v-skipped { color: var(--skipped); } .v-not-applicable { color: var(--na); }
.verdict { display: inline-block; min-width: 92px; text-align: center; padding: 1px 8px; border-radius: 4px; font-weight: 700; font-size: 12px;
  border: 1.5px solid currentColor; background: var(--bg); text-transform: uppercase; letter-spacing: .03em; }
/* The verdicts that need attention are filled, so they stand out in a long list. */
.verdict.v-fail { background: var(--fail); border-color: var(--fail); color: var(--bg); }
.verdict.v-error { background: var(--error); border-color: var(--error); color: var(--bg); }

/* Toolbar */
.toolbar { position: sticky; top: 0; z-index: 5; display: flex; flex-wrap: wrap; align-items: center; gap: 10px 16px; padding: 10px 0; background: var(--bg); border-bottom: 1px solid var(--border); }
.toolbar fieldset { border: 0; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
.toolbar legend { float: left; margin-right: 4px; color: var(--muted); }
.chip { display: inline-flex; align-items: center; gap: 5px; padding: 2px 9px; border: 1px solid var(--border); border-radius: 999px; cursor: pointer; user-select: none; font-weight: 600; }
.chip.none { opacity: .55; }
.chip .n { color: var(--fg); font-weight: 400; }
.chip input { margin: 0; accent-color: currentColor; }
.chip:has(input:focus-visible) { outline: 3px solid var(--focus); outline-offset: 2px; }
.toolbar .text input { font: inherit; padding: 4px 8px; width: 16em; border: 1px solid var(--border); border-radius: 6px; background: var(--bg); color: var(--fg); }
.toolbar .text span { color: var(--muted); }
button { font: inherit; padding: 3px 10px; border: 1px solid var(--border); border-radius: 6px; background: var(--panel); color: var(--fg); cursor: pointer; }
button + button { margin-left: 6px; }
#shown { color: var(--muted); margin-left: auto; }
.nothing-shown #specs::after { content: "No spec matches the filters."; color: var(--muted); }

/* Matrix */
table { border-collapse: collapse; }
caption { text-align: left; font-weight: 600; padding: 4px 0 8px; }
.matrix { width: 100%; }
.matrix th, .matrix td { padding: 5px 10px; border-bottom: 1px solid var(--border); text-align: left; vertical-align: middle; }
.matrix thead th { font-size: 12px; color: var(--muted); font-weight: 600; }
.matrix th[scope=row] { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 12.5px; font-weight: 400; white-space: nowrap; }
.matrix .title { color: var(--muted); }
.matrix .cell, .matrix .tgt { text-align: center; }
.matrix .dur { white-space: nowrap; font-variant-numeric: tabular-nums; }
.bar rect { fill: var(--accent); opacity: .6; }
.bar { vertical-align: middle; }
.matrix tbody tr:hover { background: var(--panel); }

/* Spec entries */
.spec { border: 1px solid var(--border); border-radius: 8px; margin: 8px 0; background: var(--bg); scroll-margin-top: 110px; }
main section[id] { scroll-margin-top: 110px; }
.spec[data-verdict=fail], .spec[data-verdict=error] { border-left: 5px solid var(--fail); }
.spec[data-verdict=error] { border-left-color: var(--error); }
.spec[data-verdict=deviation] { border-left: 5px solid var(--deviation); }
.spec > details > summary { display: flex; align-items: center; gap: 12px; padding: 8px 12px; cursor: pointer; list-style: none; border-radius: 8px; }
.spec > details > summary::-webkit-details-marker { display: none; }
.spec > details > summary:hover { background: var(--panel); }
.spec > details[open] > summary { border-bottom: 1px solid var(--border); border-radius: 8px 8px 0 0; }
.chev { width: 10px; height: 10px; border-right: 2px solid var(--muted); border-bottom: 2px solid var(--muted); transform: rotate(-45deg); transition: transform .1s; flex: none; margin: 0 2px; }
details[open] > summary .chev { transform: rotate(45deg); }
.sid { font-weight: 600; }
.ip { font-size: 11px; padding: 0 6px; border: 1px solid var(--border); border-radius: 4px; color: var(--muted); }
.cell-link { text-decoration: none; }
.stitle { color: var(--muted); flex: 1; min-width: 0; }
.sdur { color: var(--muted); font-variant-numeric: tabular-nums; white-space: nowrap; }
.spec-body { padding: 4px 16px 16px; }
.meta { display: flex; flex-wrap: wrap; gap: 4px 20px; color: var(--fg); margin: 8px 0; }
.meta .k { color: var(--muted); }
.problem { margin: 10px 0; }
.reason { margin: 6px 0; padding: 8px 12px; border-radius: 6px; background: var(--panel); border-left: 4px solid var(--fail); }
.reason.r-deviation { border-left-color: var(--deviation); } .reason.r-error { border-left-color: var(--error); }
.reason.r-skipped, .reason.r-not-applicable, .reason.r-pass { border-left-color: var(--na); }
.disagreement { margin: 6px 0; padding: 8px 12px; border-radius: 6px; background: var(--panel); border-left: 4px solid var(--deviation); }
.cap { font-size: 12px; color: var(--muted); margin: 8px 0 2px; }
pre { margin: 0; padding: 8px 12px; background: var(--panel); border: 1px solid var(--border); border-radius: 6px; overflow-x: auto; white-space: pre; }
.diff .dl { display: block; min-height: 1.45em; }
.diff .missing { color: var(--missing); background: var(--missing-bg); font-weight: 600; }
.diff .unexpected { color: var(--unexpected); background: var(--unexpected-bg); font-weight: 600; }
.diff .header { font-weight: 600; }

/* Endpoints: diagram and side-by-side table */
.endpoints { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 520px), 1fr)); gap: 14px; }
.endpoint { margin: 0; border: 1px solid var(--border); border-radius: 8px; padding: 8px 10px 10px; background: var(--bg); }
.endpoint.has-diff { border-color: var(--fail); }
.endpoint figcaption { font-weight: 600; margin-bottom: 6px; }
.endpoint .ep { display: inline-block; min-width: 22px; text-align: center; background: var(--fg); color: var(--bg); border-radius: 4px; padding: 0 6px; margin-right: 4px; }
.differs { color: var(--fail); font-weight: 700; margin-left: 6px; }
.ep-grid { display: flex; flex-direction: column; gap: 8px; }
.ep-diagram { max-width: 540px; width: 100%; margin: 0 auto; }
.ep-grid .path { overflow-x: auto; }
@media (max-width: 760px) { .endpoints { grid-template-columns: 1fr; } }
table.path, table.segments, table.cov { font-size: 12.5px; width: 100%; }
table.path th, table.path td, table.segments th, table.segments td, table.cov th, table.cov td { padding: 3px 6px; border-bottom: 1px solid var(--border); text-align: left; vertical-align: top; }
table.path thead th, table.segments thead th, table.cov thead th { color: var(--muted); font-weight: 600; font-size: 11.5px; }
table.path td.exp, table.path td.obs { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-weight: 600; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.mark { width: 1.4em; text-align: center; font-weight: 800; }
tr.row-missing { background: var(--missing-bg); } tr.row-missing td.mark, tr.row-missing td.exp { color: var(--missing); }
tr.row-unexpected { background: var(--unexpected-bg); } tr.row-unexpected td.mark, tr.row-unexpected td.obs { color: var(--unexpected); }
tr.row-transient { color: var(--muted); }
.src { display: inline-block; font-size: 11px; padding: 0 5px; border: 1px solid var(--border); border-radius: 3px; margin: 1px 0; white-space: nowrap; }
.notes { font-size: 11.5px; }
abbr { text-decoration: underline dotted; cursor: help; }
.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 16px; padding: 0; margin: 8px 0 0; font-size: 12px; color: var(--muted); }
.legend li { display: inline-flex; align-items: center; gap: 6px; }
.sw { display: inline-block; width: 26px; height: 0; border-top: 3px solid; }
.sw.same { border-color: var(--same); } .sw.missing { border-color: var(--missing); border-top-style: dashed; }
.sw.unexpected { border-color: var(--unexpected); } .sw.transient { border-color: var(--transient); border-top-style: dotted; }
.sw.covered { border-color: var(--covered); } .sw.missed { border-color: var(--missed); border-top-style: dashed; } .sw.unreachable { border-color: var(--unreachable); border-top-style: dotted; }
.badge-sw { display: inline-block; width: 17px; height: 17px; border-radius: 50%; background: var(--fg); color: var(--bg); font-size: 10px; text-align: center; line-height: 17px; font-weight: 700; }

/* State diagram */
svg.diagram { width: 100%; height: auto; display: block; }
svg.diagram text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
.defs { position: absolute; }
.node rect { fill: var(--bg); stroke: var(--idle); stroke-width: 1.2; }
.node > text { font-size: 12px; font-weight: 600; fill: var(--idle-text); }
.node.same rect { stroke: var(--same); stroke-width: 2.5; fill: var(--panel); } .node.same > text { fill: var(--fg); }
.node.missing rect { stroke: var(--missing); stroke-width: 2.5; stroke-dasharray: 6 3; fill: var(--missing-bg); } .node.missing > text { fill: var(--missing); }
.node.unexpected rect { stroke: var(--unexpected); stroke-width: 2.5; fill: var(--unexpected-bg); } .node.unexpected > text { fill: var(--unexpected); }
.node.transient rect { stroke: var(--transient); stroke-width: 1.8; stroke-dasharray: 2 3; } .node.transient > text { fill: var(--fg); }
.node.covered rect { stroke: var(--covered); stroke-width: 2.2; fill: var(--panel); } .node.covered > text { fill: var(--fg); }
.node.missed rect { stroke: var(--missed); stroke-width: 2; stroke-dasharray: 6 3; } .node.missed > text { fill: var(--missed); }
.badge circle { fill: var(--fg); } .badge text { fill: var(--bg); font-size: 10.5px; font-weight: 700; }
.node.unexpected .badge circle { fill: var(--unexpected); } .node.missed .badge circle { fill: var(--missed); }
.edge path { fill: none; stroke: var(--idle); stroke-width: 1.2; }
.edge text { font-size: 10px; fill: var(--idle-text); }
.edge.same path { stroke: var(--same); stroke-width: 3; } .edge.same text { fill: var(--fg); font-weight: 600; }
.edge.missing path { stroke: var(--missing); stroke-width: 3; stroke-dasharray: 7 4; } .edge.missing text { fill: var(--missing); font-weight: 600; }
.edge.unexpected path { stroke: var(--unexpected); stroke-width: 3; } .edge.unexpected text { fill: var(--unexpected); font-weight: 600; }
.edge.transient path { stroke: var(--transient); stroke-width: 2; stroke-dasharray: 2 3; }
.edge.covered path { stroke: var(--covered); stroke-width: 2.4; } .edge.covered text { fill: var(--fg); }
.edge.missed path { stroke: var(--missed); stroke-width: 1.6; stroke-dasharray: 6 4; } .edge.missed text { fill: var(--missed); }
.edge.unreachable path { stroke: var(--unreachable); stroke-width: 1.2; stroke-dasharray: 2 3; }
.arrow path { fill: var(--idle); }
.arrow.same path { fill: var(--same); } .arrow.missing path { fill: var(--missing); } .arrow.unexpected path { fill: var(--unexpected); }
.arrow.transient path { fill: var(--transient); } .arrow.covered path { fill: var(--covered); } .arrow.missed path { fill: var(--missed); } .arrow.unreachable path { fill: var(--unreachable); }

/* Ladder */
.scroll { overflow-x: auto; }
svg.ladder, svg.timeline { display: block; max-width: none; }
svg.ladder text, svg.timeline text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; font-size: 11.5px; fill: var(--fg); }
svg.ladder .t, svg.timeline .tl-axis text { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 11px; fill: var(--muted); }
.lane line { stroke: var(--fg); stroke-width: 2; }
.lane-name { font-weight: 700; font-size: 13px !important; }
.lane-sub { fill: var(--muted) !important; font-size: 11px !important; }
.lstate rect { fill: var(--panel); stroke: var(--border); }
.lstate .tick { stroke: var(--fg); stroke-width: 2; }
.lstate text:not(.t) { font-weight: 600; font-size: 11px; }
.lstate.unexpected rect { stroke: var(--unexpected); stroke-width: 2; fill: var(--unexpected-bg); }
.lstate.transient rect { stroke-dasharray: 2 2; }
.seg .shaft { stroke-width: 2; stroke: var(--f-ack); }
.seg.f-syn .shaft { stroke: var(--f-syn); } .seg.f-fin .shaft { stroke: var(--f-fin); } .seg.f-rst .shaft { stroke: var(--f-rst); }
.seg .lbl { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 11px; font-weight: 600; }
.seg.f-syn .lbl { fill: var(--f-syn); } .seg.f-fin .lbl { fill: var(--f-fin); } .seg.f-rst .lbl { fill: var(--f-rst); }
.seg-arrow path { fill: var(--f-ack); } .seg-arrow.f-syn path { fill: var(--f-syn); } .seg-arrow.f-fin path { fill: var(--f-fin); } .seg-arrow.f-rst path { fill: var(--f-rst); }
.fault-note { font-weight: 700; fill: var(--fail); font-family: system-ui, sans-serif; }
.seg.fault-dropped .shaft { stroke-dasharray: 5 4; }
.seg .cross { stroke: var(--fail); stroke-width: 3; }
.seg.fault-held .shaft, .seg.fault-delayed .shaft { stroke-dasharray: 1 0; }
.seg .hold rect, .seg .hold circle { fill: var(--bg); stroke: var(--deviation); stroke-width: 2; }
.seg .hold path { stroke: var(--deviation); stroke-width: 2; fill: none; }
.seg.fault-held .fault-note, .seg.fault-delayed .fault-note { fill: var(--deviation); }
.seg.fault-injected .shaft { stroke-dasharray: 8 3 2 3; }
.seg .inject { fill: var(--error); }
.seg.fault-injected .fault-note { fill: var(--error); }
.seg .dup { stroke-opacity: .55; }
.seg.fault-duplicated .fault-note { fill: var(--muted); }
details.segtable { margin: 6px 0; }
details.segtable > summary { cursor: pointer; color: var(--muted); font-size: 12.5px; }
table.segments { max-width: 780px; margin-top: 4px; }
td.f-syn { color: var(--f-syn); } td.f-fin { color: var(--f-fin); } td.f-rst { color: var(--f-rst); }
tr.fault-dropped td { text-decoration: line-through; }

/* Timelines */
.tl-name { font-weight: 700; font-size: 13px !important; }
.tl-sub { fill: var(--muted) !important; font-size: 11px !important; }
.tl-state rect { stroke: var(--bg); stroke-width: 1; }
.tl-state text { font-size: 11px !important; font-weight: 600; }
.tl-state.unexpected rect { stroke: var(--unexpected); stroke-width: 2.5; }
.tl-state.last rect { opacity: .75; }
.tl-callout line { stroke: var(--muted); }
.tl-callout text { font-size: 10px !important; fill: var(--muted) !important; }
.tl-base { stroke: var(--border); }
.tl-seg line { stroke: var(--f-ack); stroke-width: 2; }
.tl-seg.f-syn line { stroke: var(--f-syn); } .tl-seg.f-fin line { stroke: var(--f-fin); } .tl-seg.f-rst line { stroke: var(--f-rst); }
.tl-seg .release { stroke-dasharray: 3 2; stroke-width: 1.5; }
.tl-axis line { stroke: var(--muted); }
.st-CLOSED rect { fill: var(--st-CLOSED); } .st-LISTEN rect { fill: var(--st-LISTEN); } .st-SYN_SENT rect { fill: var(--st-SYN_SENT); }
.st-SYN_RCVD rect { fill: var(--st-SYN_RCVD); } .st-ESTABLISHED rect { fill: var(--st-ESTABLISHED); } .st-FIN_WAIT_1 rect { fill: var(--st-FIN_WAIT_1); }
.st-FIN_WAIT_2 rect { fill: var(--st-FIN_WAIT_2); } .st-CLOSING rect { fill: var(--st-CLOSING); } .st-CLOSE_WAIT rect { fill: var(--st-CLOSE_WAIT); }
.st-LAST_ACK rect { fill: var(--st-LAST_ACK); } .st-TIME_WAIT rect { fill: var(--st-TIME_WAIT); }
.lstate.unexpected rect { fill: var(--unexpected-bg); }

/* Coverage and environment */
.cov-sum { font-size: 15px; }
.cov-grid { display: grid; grid-template-columns: minmax(320px, 560px) 1fr; gap: 20px; align-items: start; }
@media (max-width: 980px) { .cov-grid { grid-template-columns: 1fr; } }
table.cov { margin-bottom: 16px; }
table.cov th[scope=row] { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-weight: 600; white-space: nowrap; }
table.cov tr.missed th { color: var(--missed); }
table.cov tr.unreachable th { color: var(--muted); }
.env dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 20px; margin: 0; }
.env dt { color: var(--muted); }
.env dd { margin: 0; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 12.5px; }
.attention { margin: 12px 0 4px; padding: 10px 14px; border: 1px solid var(--fail); border-left-width: 5px; border-radius: 8px; background: var(--unexpected-bg); }
.attention h2 { margin: 0 0 6px; padding: 0; border: 0; font-size: 15px; }
.attention ul { margin: 0; padding-left: 0; list-style: none; }
.attention li { margin: 3px 0; display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; }
.attention a { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 12.5px; font-weight: 600; }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
@media print { .toolbar { position: static; } .spec { break-inside: avoid; } }
`;
