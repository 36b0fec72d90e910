/* global document, requestAnimationFrame */
// Runs in the benchmark's Chromium page before the renderer: a bridge that answers the renderer
// with a logged-in clerk and an inbox of `globalThis.__benchCount` documents, and the probes the
// inbox benchmark reads. Plain JavaScript: it is loaded into the page as it is.
(() => {
  const n = globalThis.__benchCount ?? 10000;
  const user = { account: 'vendor', name: '公文系統廠商', unit: '資通建設科', unitId: 'ict', title: '廠商' };
  const documents = Array.from({ length: n }, (_, i) => ({
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    number: `115${String(i + 1).padStart(7, '0')}`,
    subject: `資通建設科年度計畫第 ${i + 1} 案：機房設備汰換與網路骨幹擴充`,
    status: '簽核中',
    holder: '公文系統廠商',
    holderAccount: 'vendor',
    currentSeq: 2,
    updatedAt: new Date(Date.now() - i * 60000).toISOString(),
    arrivedAt: new Date(Date.now() - i * 60000).toISOString(),
    lastChangeType: '送請簽核',
  }));
  const answers = {
    'settings:get': () => ({ serviceUrl: 'https://doc.example.gov.tw', modulePath: '', language: 'zh-TW', serviceUrlLocked: false }),
    'session:state': () => ({ user, tempCertTicked: false, serviceUrl: 'https://doc.example.gov.tw' }),
    'card:status': () => ({
      state: 'ready',
      modulePath: '',
      token: { label: 'HiCOS PKI Smart Card', serial: '1', model: '', manufacturer: '', pin: { countLow: false, finalTry: false, locked: false } },
    }),
    'outbox:state': () => ({ pending: [], refused: [] }),
    'documents:list': () => {
      globalThis.__dataArrived = performance.now();
      return { total: documents.length, documents };
    },
  };
  globalThis.gongwen = {
    invoke: async (channel) => (answers[channel] ? { ok: true, value: answers[channel]() } : { ok: false, error: { code: 'NOT_FOUND', message: channel } }),
    on: () => () => {},
  };
  // The first frame that shows a data row.
  const watch = () => {
    if (globalThis.__dataArrived && document.querySelector('[data-testid="inbox-table"] .ant-table-row')) globalThis.__firstRows = performance.now();
    else requestAnimationFrame(watch);
  };
  requestAnimationFrame(watch);
  // Scrolls about three rows a frame for three seconds; resolves with frames per second.
  globalThis.__benchScroll = () =>
    new Promise((resolve, reject) => {
      const holder = document.querySelector('[data-testid="inbox-table"] .ant-table-tbody-virtual-holder');
      if (!holder) return reject(new Error('no virtual scroll holder'));
      const start = performance.now();
      let last = start;
      let frames = 0;
      let worst = 0;
      const step = (t) => {
        frames++;
        worst = Math.max(worst, t - last);
        last = t;
        holder.scrollTop += 90;
        holder.dispatchEvent(new Event('scroll'));
        if (t - start < 3000) requestAnimationFrame(step);
        else
          resolve({
            fps: (frames * 1000) / (t - start),
            worstFrameMs: worst,
            rowsInDom: document.querySelectorAll('[data-testid="inbox-table"] .ant-table-row').length,
          });
      };
      requestAnimationFrame(step);
    });
})();
