import type { ServiceContext } from '../context.js';

/**
 * The card CRLs refreshed while the service runs: hourly, or sooner when a kept CRL's nextUpdate
 * comes first (`nextRefreshInMs`). A refused or unreachable source is logged as a warning; the last
 * good CRL stays in use. Returns a stop function.
 */
export function startCrlRefresh(ctx: ServiceContext, warn: (message: string) => void, info: (message: string) => void): () => void {
  if (ctx.cardRevocation.sources.length === 0) return () => {};
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const run = async () => {
    try {
      for (const r of await ctx.cardRevocation.refresh()) {
        if (r.outcome === 'refused' || r.outcome === 'unreachable') warn(`card CRL ${r.source} ${r.outcome}: ${r.detail}`);
        else if (r.outcome === 'accepted') info(`card CRL ${r.source} accepted: ${r.detail}`);
      }
    } catch (error) {
      warn(`card CRL refresh: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (stopped) return;
    const delay = await ctx.cardRevocation.nextRefreshInMs().catch(() => 3600_000);
    timer = setTimeout(() => void run(), delay);
    timer.unref();
  };
  void ctx.cardRevocation.nextRefreshInMs().then((delay) => {
    if (stopped) return;
    timer = setTimeout(() => void run(), delay);
    timer.unref();
  });
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
