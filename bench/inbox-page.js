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
  // The service pages the inbox: the bridge answers the page asked for, out of all n.
  const answers = {
    'settings:get': () => ({ serviceUrl: 'https://doc.example.gov.tw', modulePath: '', language: 'zh-TW', serviceUrlLocked: false }),
    'session:state': () => ({ user, tempCertTicked: false, serviceUrl: 'https://doc.example.gov.tw' }),
    'card:status': () => ({
      state: 'ready',
      modulePath: '',
      token: { label: 'HiCOS PKI Smart Card', serial: '1', model: '', manufacturer: '', pin: { countLow: false, finalTry: false, locked: false } },
    }),
    'outbox:state': () => ({ pending: [], refused: [] }),
    'documents:list': (input) => {
      globalThis.__dataArrived = performance.now();
      const offset = input?.offset ?? 0;
      return { total: documents.length, documents: documents.slice(offset, offset + (input?.limit ?? documents.length)) };
    },
  };
  globalThis.gongwen = {
    invoke: async (channel, input) =>
      answers[channel] ? { ok: true, value: answers[channel](input) } : { ok: false, error: { code: 'NOT_FOUND', message: channel } },
    on: () => () => {},
  };
  // The first frame that shows a data row.
  const watch = () => {
    if (globalThis.__dataArrived && document.querySelector('[data-testid="inbox-table"] .ant-table-row')) globalThis.__firstRows = performance.now();
    else requestAnimationFrame(watch);
  };
  requestAnimationFrame(watch);
  // Clicks the next page and resolves with the time until its first row is on screen.
  globalThis.__benchNextPage = (expectedNumber) =>
    new Promise((resolve, reject) => {
      const next = document.querySelector('.ant-pagination-next button, .ant-pagination-next');
      if (!next) return reject(new Error('no next-page button'));
      const start = performance.now();
      const shown = () => {
        const first = document.querySelector('[data-testid="inbox-table"] .ant-table-row td');
        if (first && first.textContent === expectedNumber) resolve(performance.now() - start);
        else if (performance.now() - start > 10000) reject(new Error('the next page never showed'));
        else requestAnimationFrame(shown);
      };
      next.click();
      requestAnimationFrame(shown);
    });
})();
