// Undo/redo as a pure stack of snapshots: every editing step records the state before it; undo moves one
// step back, redo one forward, and a new step after an undo drops the steps that were undone.

export interface History<T> {
  past: T[];
  present: T;
  future: T[];
}

/** Steps kept; older ones fall off so a long session does not grow without bound. */
export const historyLimit = 100;

export function startHistory<T>(present: T): History<T> {
  return { past: [], present, future: [] };
}

/** Records `next` as a new step; the same state again (by `same`) is not a step. */
export function record<T>(history: History<T>, next: T, same: (a: T, b: T) => boolean = Object.is): History<T> {
  if (same(history.present, next)) return history;
  return { past: [...history.past, history.present].slice(-historyLimit), present: next, future: [] };
}

export function undo<T>(history: History<T>): History<T> {
  const previous = history.past.at(-1);
  if (previous === undefined) return history;
  return { past: history.past.slice(0, -1), present: previous, future: [history.present, ...history.future] };
}

export function redo<T>(history: History<T>): History<T> {
  const [next, ...rest] = history.future;
  if (next === undefined) return history;
  return { past: [...history.past, history.present], present: next, future: rest };
}

export const canUndo = (history: History<unknown>) => history.past.length > 0;
export const canRedo = (history: History<unknown>) => history.future.length > 0;
