import type { State } from '../../model/states.js';
import { findTransition, TRANSITIONS, transitionId } from '../../model/transitions.js';
import type { EndpointResult } from '../../run/results.js';
import type { RunCoverage } from '../coverage.js';
import { alignPaths, pathEdges } from '../paths.js';
import { esc } from './escape.js';

/**
 * RFC 9293's state diagram (Figure 5), drawn as SVG in its classic
 * arrangement: CLOSED on top, LISTEN under it, SYN_RCVD and SYN_SENT on
 * either side, ESTABLISHED in the middle, the closing states below, and
 * CLOSED drawn a second time at the bottom right, where LAST_ACK and
 * TIME_WAIT end, as the figure does. The RST, ABORT and timeout edges that
 * the figure leaves out for legibility (its note 3), and note 2's
 * FIN_WAIT_1 -> TIME_WAIT, are drawn only when a path takes them (and in
 * the coverage diagram, which shows every edge).
 *
 * Positions are hand-placed rather than laid out by an algorithm: readers
 * know this figure, and a layout engine would not reproduce it.
 */

/** A node of the drawing: a state, or the figure's second CLOSED. */
export type NodeKey = State | 'CLOSED_END';

const W = 104;
const H = 36;
export const DIAGRAM_WIDTH = 580;
export const DIAGRAM_HEIGHT = 664;

const NODES: Record<NodeKey, { x: number; y: number; label: string }> = {
  CLOSED: { x: 280, y: 34, label: 'CLOSED' },
  LISTEN: { x: 280, y: 130, label: 'LISTEN' },
  SYN_RCVD: { x: 80, y: 226, label: 'SYN_RCVD' },
  SYN_SENT: { x: 480, y: 226, label: 'SYN_SENT' },
  ESTABLISHED: { x: 280, y: 322, label: 'ESTABLISHED' },
  FIN_WAIT_1: { x: 80, y: 418, label: 'FIN_WAIT_1' },
  CLOSE_WAIT: { x: 480, y: 418, label: 'CLOSE_WAIT' },
  FIN_WAIT_2: { x: 80, y: 514, label: 'FIN_WAIT_2' },
  CLOSING: { x: 280, y: 514, label: 'CLOSING' },
  LAST_ACK: { x: 480, y: 514, label: 'LAST_ACK' },
  TIME_WAIT: { x: 280, y: 610, label: 'TIME_WAIT' },
  CLOSED_END: { x: 480, y: 610, label: 'CLOSED' },
};

interface EdgeShape {
  d: string;
  /** The figure's own label, `event / action`, placed beside the edge. */
  label?: { x: number; y: number; anchor: 'start' | 'middle' | 'end'; text: string };
  /** Not in the figure itself: drawn only when used. */
  extra: boolean;
  /** Where the edge ends: CLOSED edges end at one of the two CLOSED boxes. */
  to: NodeKey;
}

const E = (d: string, to: NodeKey, label?: EdgeShape['label'], extra = false): EdgeShape => ({ d, to, label, extra });
const L = (x: number, y: number, anchor: 'start' | 'middle' | 'end', text: string): EdgeShape['label'] => ({ x, y, anchor, text });

const EDGES: Record<string, EdgeShape> = {
  'CLOSED->LISTEN': E('M268,52 V112', 'LISTEN', L(262, 86, 'end', 'passive OPEN')),
  'LISTEN->CLOSED': E('M292,112 V52', 'CLOSED', L(298, 86, 'start', 'CLOSE')),
  'CLOSED->SYN_SENT': E('M332,26 H494 V208', 'SYN_SENT', L(412, 20, 'middle', 'active OPEN / snd SYN')),
  'SYN_SENT->CLOSED': E('M468,208 V42 H332', 'CLOSED', L(462, 120, 'end', 'CLOSE')),
  'LISTEN->SYN_RCVD': E('M250,148 L112,208', 'SYN_RCVD', L(186, 186, 'end', 'rcv SYN / snd SYN,ACK')),
  'SYN_RCVD->LISTEN': E('M80,208 V140 Q80,130 90,130 H228', 'LISTEN', L(150, 124, 'middle', 'rcv RST')),
  'LISTEN->SYN_SENT': E('M310,148 L448,208', 'SYN_SENT', L(374, 186, 'start', 'SEND / snd SYN')),
  'SYN_SENT->SYN_RCVD': E('M428,226 H132', 'SYN_RCVD', L(280, 220, 'middle', 'rcv SYN / snd SYN,ACK')),
  'SYN_SENT->ESTABLISHED': E('M450,244 L304,304', 'ESTABLISHED', L(386, 288, 'start', 'rcv SYN,ACK / snd ACK')),
  'SYN_RCVD->ESTABLISHED': E('M110,244 L256,304', 'ESTABLISHED', L(174, 288, 'end', 'rcv ACK of SYN')),
  'SYN_RCVD->FIN_WAIT_1': E('M64,244 V400', 'FIN_WAIT_1', L(70, 336, 'start', 'CLOSE / snd FIN')),
  'ESTABLISHED->FIN_WAIT_1': E('M252,340 L122,400', 'FIN_WAIT_1', L(192, 384, 'end', 'CLOSE / snd FIN')),
  'ESTABLISHED->CLOSE_WAIT': E('M308,340 L438,400', 'CLOSE_WAIT', L(368, 384, 'start', 'rcv FIN / snd ACK')),
  'FIN_WAIT_1->FIN_WAIT_2': E('M80,436 V496', 'FIN_WAIT_2', L(86, 470, 'start', 'rcv ACK of FIN')),
  'FIN_WAIT_1->CLOSING': E('M132,428 L250,496', 'CLOSING', L(196, 452, 'start', 'rcv FIN / snd ACK')),
  'CLOSE_WAIT->LAST_ACK': E('M480,436 V496', 'LAST_ACK', L(474, 470, 'end', 'CLOSE / snd FIN')),
  'FIN_WAIT_2->TIME_WAIT': E('M100,532 V596 Q100,610 114,610 H228', 'TIME_WAIT', L(164, 604, 'middle', 'rcv FIN / snd ACK')),
  'CLOSING->TIME_WAIT': E('M280,532 V592', 'TIME_WAIT', L(286, 566, 'start', 'rcv ACK of FIN')),
  'LAST_ACK->CLOSED': E('M480,532 V592', 'CLOSED_END', L(474, 566, 'end', 'rcv ACK of FIN')),
  'TIME_WAIT->CLOSED': E('M332,610 H428', 'CLOSED_END', L(380, 604, 'middle', '2MSL timeout')),
  // Note 2 and the RST/ABORT/timeout edges of note 3: not in the figure.
  'FIN_WAIT_1->TIME_WAIT': E('M116,436 C150,520 190,590 228,602', 'TIME_WAIT', L(150, 540, 'start', 'rcv FIN,ACK of FIN'), true),
  'SYN_RCVD->CLOSED': E('M44,208 V44 Q44,34 54,34 H228', 'CLOSED', L(50, 60, 'start', 'RST / ABORT'), true),
  'ESTABLISHED->CLOSED': E('M332,316 H552 V600 Q552,610 542,610 H532', 'CLOSED_END', L(546, 330, 'end', 'RST / ABORT'), true),
  'CLOSE_WAIT->CLOSED': E('M532,412 H552 V600 Q552,610 542,610 H532', 'CLOSED_END', L(556, 440, 'start', 'RST'), true),
  'FIN_WAIT_1->CLOSED': E('M28,424 H14 V648 H480 V628', 'CLOSED_END', L(20, 640, 'start', 'RST / ABORT'), true),
  'FIN_WAIT_2->CLOSED': E('M60,532 V648 H480 V628', 'CLOSED_END', L(66, 560, 'start', 'RST'), true),
  'CLOSING->CLOSED': E('M330,528 L436,592', 'CLOSED_END', L(392, 548, 'start', 'RST'), true),
};

/** What a node or an edge is to the reader. */
export type MarkKind =
  | 'idle' // part of the figure, not of this picture
  | 'same' // expected and observed
  | 'missing' // expected, not observed
  | 'unexpected' // observed, not expected
  | 'transient' // observed in passing, allowed without being expected
  | 'covered' // coverage: some passing spec observed it
  | 'missed' // coverage: no passing spec observed it
  | 'unreachable'; // coverage: the sockets API cannot produce it

export interface DiagramMarks {
  nodes: Map<NodeKey, { kind: MarkKind; badge?: string; detail?: string }>;
  edges: Map<string, { kind: MarkKind; detail?: string }>;
  /** Show every edge's label, or only those of marked edges. */
  labels: 'all' | 'marked';
  /** What the picture shows, for screen readers. */
  title: string;
}

/** The node a path's step lands on: CLOSED after a closing state is the bottom box. */
function nodeOfStep(prev: string | undefined, state: State): NodeKey {
  if (state !== 'CLOSED' || prev === undefined) return state;
  return EDGES[`${prev}->CLOSED`]?.to ?? 'CLOSED';
}

function pathNodes(path: readonly State[]): NodeKey[] {
  return path.map((s, i) => nodeOfStep(path[i - 1], s));
}

/** Marks for one endpoint: observed path numbered, expected path beside it, differences coloured. */
export function endpointMarks(name: string, e: EndpointResult): DiagramMarks {
  const rows = alignPaths(e.expected, e.observed);
  // Edges and nodes compare the expected path with the observed one minus
  // the transient states the verdict allows; those are drawn apart.
  const relevant = rows.filter((r) => r.observed && r.kind !== 'transient').map((r) => r.observed!.state);
  const raw = e.observed.map((o) => o.state);

  const nodes: DiagramMarks['nodes'] = new Map();
  const steps = new Map<NodeKey, number[]>();
  pathNodes(raw).forEach((n, i) => steps.set(n, [...(steps.get(n) ?? []), i + 1]));
  const expNodes = new Set(pathNodes(e.expected));
  const relNodes = new Set(pathNodes(relevant));
  for (const n of new Set([...pathNodes(raw), ...expNodes])) {
    const kind: MarkKind = expNodes.has(n) ? (relNodes.has(n) ? 'same' : 'missing') : relNodes.has(n) ? 'unexpected' : 'transient';
    const s = steps.get(n);
    nodes.set(n, { kind, badge: s?.join(','), detail: s ? `observed as step ${s.join(', ')}` : 'expected, not observed' });
  }

  const edges: DiagramMarks['edges'] = new Map();
  const exp = new Set(pathEdges(e.expected));
  const rel = new Set(pathEdges(relevant));
  for (const t of pathEdges(raw)) if (!rel.has(t) && !exp.has(t)) edges.set(t, { kind: 'transient', detail: 'observed in passing (transient)' });
  for (const t of rel) edges.set(t, exp.has(t) ? { kind: 'same', detail: 'expected and observed' } : { kind: 'unexpected', detail: 'observed, not expected' });
  for (const t of exp) if (!rel.has(t)) edges.set(t, { kind: 'missing', detail: 'expected, not observed' });

  const title = `State diagram for endpoint ${name}: observed ${raw.join(' → ') || 'nothing'}; expected ${e.expected.join(' → ')}`;
  return { nodes, edges, labels: 'marked', title };
}

/** Marks for the run's coverage: which states and transitions passing specs observed. */
export function coverageMarks(c: RunCoverage): DiagramMarks {
  const nodes: DiagramMarks['nodes'] = new Map();
  for (const [s, ids] of c.states) {
    const kind: MarkKind = ids.length > 0 ? 'covered' : 'missed';
    const detail = ids.length > 0 ? `observed in ${ids.length} passing spec(s): ${ids.join(', ')}` : 'observed in no passing spec';
    nodes.set(s, { kind, badge: String(ids.length), detail });
    if (s === 'CLOSED') nodes.set('CLOSED_END', { kind, detail });
  }
  const edges: DiagramMarks['edges'] = new Map();
  for (const [t, ids] of c.transitions) {
    if (c.unreachable.has(t)) edges.set(t, { kind: 'unreachable', detail: `not reachable: ${c.unreachable.get(t)!}` });
    else if (ids.length > 0) edges.set(t, { kind: 'covered', detail: `observed in ${ids.length} passing spec(s): ${ids.join(', ')}` });
    else edges.set(t, { kind: 'missed', detail: 'observed in no passing spec' });
  }
  return { nodes, edges, labels: 'all', title: 'RFC 9293 state diagram coloured by what the passing specs covered' };
}

/** Arrowheads, one per kind so each takes its kind's colour; defined once per page. */
export function diagramDefs(): string {
  const kinds: MarkKind[] = ['idle', 'same', 'missing', 'unexpected', 'transient', 'covered', 'missed', 'unreachable'];
  const markers = kinds
    .map(
      (k) =>
        `<marker id="arrow-${k}" class="arrow ${k}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker>`,
    )
    .join('');
  return `<svg class="defs" width="0" height="0" aria-hidden="true" focusable="false"><defs>${markers}</defs></svg>`;
}

export function stateDiagram(marks: DiagramMarks, cls = ''): string {
  const parts: string[] = [];
  // Edges first, so boxes sit on top of their ends. Idle ones first, so a
  // highlighted edge is never hidden under a muted one sharing its track.
  const order = Object.keys(EDGES).sort((a, b) => Number(marks.edges.has(a)) - Number(marks.edges.has(b)));
  for (const id of order) {
    const shape = EDGES[id]!;
    const mark = marks.edges.get(id);
    if (shape.extra && !mark) continue;
    const kind: MarkKind = mark?.kind ?? 'idle';
    const t = findTransition(...(id.split('->') as [State, State]));
    const tip = [`${id.replace('->', ' → ')}`, mark?.detail, t ? `${t.events.join('; ')} (${t.ref})` : undefined].filter(Boolean).join('\n');
    const showLabel = shape.label && (marks.labels === 'all' || (mark && kind !== 'idle'));
    parts.push(
      `<g class="edge ${kind}${shape.extra ? ' extra' : ''}" data-edge="${esc(id)}"><title>${esc(tip)}</title>` +
        `<path d="${shape.d}" marker-end="url(#arrow-${kind})"/>` +
        (showLabel ? `<text x="${shape.label!.x}" y="${shape.label!.y}" text-anchor="${shape.label!.anchor}">${esc(shape.label!.text)}</text>` : '') +
        `</g>`,
    );
  }
  for (const [key, n] of Object.entries(NODES) as [NodeKey, (typeof NODES)[NodeKey]][]) {
    const mark = marks.nodes.get(key);
    const kind: MarkKind = mark?.kind ?? 'idle';
    const state = key === 'CLOSED_END' ? 'CLOSED' : key;
    const badge = mark?.badge
      ? `<g class="badge"><circle cx="${n.x + W / 2 - 2}" cy="${n.y - H / 2 + 1}" r="${8 + 2.5 * Math.max(0, mark.badge.length - 2)}"/>` +
        `<text x="${n.x + W / 2 - 2}" y="${n.y - H / 2 + 4.5}" text-anchor="middle">${esc(mark.badge)}</text></g>`
      : '';
    parts.push(
      `<g class="node ${kind}" data-state="${state}" data-node="${key}"${mark?.badge ? ` data-steps="${esc(mark.badge)}"` : ''}>` +
        `<title>${esc([state, mark?.detail].filter(Boolean).join('\n'))}</title>` +
        `<rect x="${n.x - W / 2}" y="${n.y - H / 2}" width="${W}" height="${H}" rx="6"/>` +
        `<text x="${n.x}" y="${n.y + 4}" text-anchor="middle">${n.label}</text>${badge}</g>`,
    );
  }
  return (
    `<svg class="diagram ${cls}" viewBox="0 0 ${DIAGRAM_WIDTH} ${DIAGRAM_HEIGHT}" role="img" aria-label="${esc(marks.title)}">` +
    `<title>${esc(marks.title)}</title>${parts.join('')}</svg>`
  );
}

/** Every transition has a drawing: checked by the tests, so a new edge in the model cannot go undrawn. */
export function undrawnTransitions(): string[] {
  return TRANSITIONS.map((t) => transitionId(t.from, t.to)).filter((id) => !Object.hasOwn(EDGES, id));
}
