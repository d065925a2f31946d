// The goals of issue 7, each a check over one table row's cells ({ target: { median, min, max } }).
// A check answers met (true/false), or undefined when a cell it needs is missing (a failed run).

const ratio = (a, b) => a / b;
const times = (value) => `${value.toFixed(2)}×`;

export function withinBaseline(factor) {
  return {
    text: `≤ ${factor}× the baseline`,
    check: ({ pool, bare }) => {
      if (!pool || !bare) return { met: undefined, detail: 'no data' };
      const value = ratio(pool.median, bare.median);
      return { met: value <= factor, detail: `${times(value)} the baseline` };
    },
  };
}

/** Pool's median is better than every peer's (lower or higher, as the row says). */
export function aheadOfEveryPeer(peers, better = 'lower') {
  return {
    text: 'ahead of every peer',
    check: (cells) => {
      const behind = [];
      for (const peer of peers) {
        if (!cells.pool || !cells[peer]) return { met: undefined, detail: 'no data' };
        const ahead = better === 'lower' ? cells.pool.median < cells[peer].median : cells.pool.median > cells[peer].median;
        if (!ahead) behind.push(`${peer} (${times(ratio(cells.pool.median, cells[peer].median))})`);
      }
      return behind.length === 0 ? { met: true, detail: 'ahead of every peer' } : { met: false, detail: `behind ${behind.join(', ')}` };
    },
  };
}

/** Higher is better: pool ≥ factor × the peer. */
export function atLeast(peer, factor = 1) {
  return {
    text: factor === 1 ? `≥ ${peer}` : `≥ ${factor}× ${peer}`,
    check: (cells) => {
      if (!cells.pool || !cells[peer]) return { met: undefined, detail: 'no data' };
      const value = ratio(cells.pool.median, cells[peer].median);
      return { met: value >= factor, detail: `${times(value)} ${peer}` };
    },
  };
}

/** Lower is better: pool ≤ the best (lowest) peer, or ≤ `factor` × the best peer. */
export function notAboveBestPeer(peers, factor = 1) {
  return {
    text: factor === 1 ? '≤ the best peer' : `≤ ${factor}× the best peer`,
    check: (cells) => {
      if (!cells.pool || peers.some((peer) => !cells[peer])) return { met: undefined, detail: 'no data' };
      const best = peers.reduce((a, b) => (cells[a].median <= cells[b].median ? a : b));
      const met = cells.pool.median <= factor * cells[best].median;
      if (cells[best].median === 0) return { met, detail: `the best peer (${best}) measured 0` };
      return { met, detail: `${times(ratio(cells.pool.median, cells[best].median))} the best peer (${best})` };
    },
  };
}

export function zeroInEveryRun() {
  return {
    text: '0 failed, always',
    check: ({ pool }) => (pool ? { met: pool.max === 0, detail: `${pool.max} at most` } : { met: undefined, detail: 'no data' }),
  };
}

export function allOf(...goals) {
  return {
    text: goals.map((goal) => goal.text).join('; '),
    check: (cells) => {
      const results = goals.map((goal) => goal.check(cells));
      const met = results.some((result) => result.met === undefined) ? undefined : results.every((result) => result.met);
      return { met, detail: results.map((result) => result.detail).join('; ') };
    },
  };
}
