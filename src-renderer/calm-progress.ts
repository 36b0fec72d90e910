/**
 * A long 補簽 batch must not talk over the clerk: its progress is spoken at the start and at each
 * quarter (0, 25, 50, 75, 100 %), not at every step. This is the quarter `done` of `total` is in.
 */
export function progressQuarter(done: number, total: number): number {
  if (total <= 0) return 0;
  return Math.min(4, Math.floor((Math.min(done, total) * 4) / total));
}
