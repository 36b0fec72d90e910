import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';

/**
 * The UI's words: zh-TW first, in the source document's terms (傳送, 使用軟體臨時憑證, 補簽,
 * IFT930, IFT940, the flow table's column names); English second.
 */
export const resources = {
  'zh-TW': {
    translation: {
      app: { title: '公文簽核', product: 'GongwenDesk' },
      menu: { label: '功能選單', inbox: '待辦公文', involved: '經辦公文', ift930: 'IFT930 臨時憑證申請發放啟用作業', ift940: 'IFT940 臨時憑證公文補簽停用作業', settings: '設定', logout: '登出' },
      login: { title: '登入電子公文系統', account: '帳號', password: '密碼', submit: '登入', service: '公文系統網址' },
      card: { details: '憑證卡詳細資訊', 'no-module': '未安裝讀卡機驅動', 'no-reader': '未連接讀卡機', 'no-card': '未插入憑證卡', ready: '憑證卡就緒', checking: '檢查憑證卡中' },
      inbox: { search: '搜尋主旨或文號', searchButton: '搜尋', status: '公文狀態', all: '全部', number: '公文文號', subject: '主旨', holder: '目前負責人員', arrived: '公文接收時間', change: '異動別', empty: '沒有待辦公文', count: '共 {{count}} 件' },
      doc: { title: '公文 {{number}}', loading: '公文', number: '公文文號', subject: '主旨', status: '公文狀態', createdBy: '創稿人', body: '內容', attachments: '附件', flow: '公文流程', send: '傳送', back: '返回', notHolder: '這份公文目前不在您手上。', noAttachments: '無附件' },
      flow: { seq: '序', status: '公文狀態', unit: '作業單位', holder: '負責人員', received: '公文接收時間', sent: '公文送出時間', processing: '公文處理時間', change: '異動別', temp: '是否使用臨時憑證', approver: '核決者', yes: '是', no: '否', resigned: '已補簽 {{at}}', notResigned: '待補簽', resignNote: '補簽註記：{{note}}' },
      send: {
        title: '傳送公文', action: '異動別', recipient: '下一關負責人員', opinion: '簽核意見', useTemp: '使用軟體臨時憑證', tempPassword: '軟體憑證密碼', tempPasswordHelp: '本次登入第一次使用臨時憑證，請輸入軟體憑證密碼。',
        pin: '憑證卡密碼（PIN 碼）', ok: '確定', cancel: '取消', delivered: '公文已傳送至下一流程。', queued: '已簽章並保存，目前無法連線，恢復連線後會自動送出。',
        countLow: '先前曾輸入錯誤的 PIN 碼，請小心輸入。', discardTitle: '放棄已輸入的內容？', discardText: '關閉後，已輸入的簽核意見不會保存。', discard: '放棄並關閉', keepEditing: '繼續編輯', finalTry: '注意：再輸入錯誤一次，憑證卡就會被鎖住。', noRecipient: '歸檔與發文不需選擇下一關負責人員。', tempNotHere: '這台電腦尚未啟用臨時憑證（可至 IFT930 啟用）。',
      },
      ift930: {
        state: '目前狀態', states: { none: '尚未申請', applied: '已申請，這台電腦尚未啟用', 'enabled-here': '已在這台電腦啟用', disabled: '已停用（需重新啟用並下載憑證）' },
        loginPassword: '登入密碼（確認本人）', loginPasswordWhy: '申請、啟用或刪除臨時憑證，須再輸入一次登入密碼。',
        changes: '自上次登入後，您的臨時憑證有以下變更；若非您本人所為，請立即通知系統管理員：', change: '{{action}} {{at}}（{{pc}}）',
        actions: { apply: '申請', enable: '啟用', delete: '刪除', disable: '停用' }, unknownPc: '未知電腦',
        password: '軟體憑證密碼', reason: '申請原因', apply: '申請憑證', enable: '啟用並下載憑證', enablePassword: '數位憑證密碼', delete: '刪除憑證',
        deleteWarn: '刪除憑證後，必須從「輸入軟體憑證密碼及申請原因」重新申請。確定要刪除嗎？', applied: '已申請，請點選「啟用並下載憑證」。', enabled: '已完成軟體憑證申請，這台電腦可以使用臨時憑證。', reasonShown: '申請原因：{{reason}}', pc: '電腦：{{pc}}，有效至 {{until}}',
      },
      ift940: {
        pending: '待補簽公文', none: '沒有需要補簽的公文。', note: '補簽註記', pin: '憑證卡密碼（PIN 碼）', resign: '補簽', cancel: '取消補簽', progress: '補簽中：{{done}} / {{total}}　{{current}}', progressName: '補簽進度', progressSpoken: '補簽中：已完成 {{done}} 件，共 {{total}} 件。',
        done: '補簽完成：{{resigned}} 件。', already: '{{count}} 件先前已補簽。', refused: '{{count}} 件無法補簽。', disable: '臨時憑證停用', disableWarn: '停用後，任何人都不能再用這張臨時憑證傳送公文；下次使用須重新「啟用並下載憑證」。確定要停用嗎？', disabled: '臨時憑證已停用。',
        sentAt: '公文送出時間', seq: '序', number: '公文文號', subject: '主旨', change: '異動別',
        signedWith: '臨時憑證簽章', thisPc: '本機簽章', otherPc: '其他電腦簽章（需確認）', refusedTag: '不能補簽', confirmOtherPc: '我已確認在其他電腦以臨時憑證簽核的 {{count}} 件內容無誤，一併補簽。',
      },
      settings: { service: '公文系統網址', serviceLocked: '（由系統管理員設定）', module: 'PKCS#11 模組路徑', moduleHelp: '留空則自動尋找 HiCOS、OpenSC 或 SoftHSM。', language: '語言', save: '儲存', saved: '設定已儲存。', diagnostics: '憑證卡診斷', runDiagnostics: '檢查讀卡機與憑證卡' },
      outbox: { pending: '{{count}} 份已簽章的公文等待送出。', retry: '立即重送', refused: '公文 {{number}} 無法送出：{{message}}', dismiss: '知道了' },
      common: { loading: '載入中…', retry: '重試', close: '關閉', confirm: '確定', cancel: '取消' },
    },
  },
  en: {
    translation: {
      app: { title: 'Document approval', product: 'GongwenDesk' },
      menu: { label: 'Main menu', inbox: 'Inbox', involved: 'My documents', ift930: 'IFT930 Temporary certificate', ift940: 'IFT940 Re-sign and disable', settings: 'Settings', logout: 'Log out' },
      login: { title: 'Log in to the document system', account: 'Account', password: 'Password', submit: 'Log in', service: 'Service address' },
      card: { details: 'Card details', 'no-module': 'No card software', 'no-reader': 'No card reader', 'no-card': 'No card', ready: 'Card ready', checking: 'Checking the card' },
      inbox: { search: 'Search subject or number', searchButton: 'Search', status: 'Status', all: 'All', number: 'Document number', subject: 'Subject', holder: 'Current holder', arrived: 'Received', change: 'Change type', empty: 'Nothing to do', count: '{{count}} documents' },
      doc: { title: 'Document {{number}}', loading: 'Document', number: 'Document number', subject: 'Subject', status: 'Status', createdBy: 'Drafted by', body: 'Content', attachments: 'Attachments', flow: 'Flow', send: 'Send', back: 'Back', notHolder: 'This document is not with you now.', noAttachments: 'No attachments' },
      flow: { seq: 'No.', status: 'Status', unit: 'Unit', holder: 'Person responsible', received: 'Received', sent: 'Sent', processing: 'Processing time', change: 'Change type', temp: 'Temp cert used', approver: 'Approver', yes: 'Yes', no: 'No', resigned: 'Re-signed {{at}}', notResigned: 'To re-sign', resignNote: 'Re-sign note: {{note}}' },
      send: {
        title: 'Send document', action: 'Change type', recipient: 'Next person', opinion: 'Opinion', useTemp: 'Use software temporary certificate', tempPassword: 'Temporary-certificate password', tempPasswordHelp: 'First use in this login: enter the temporary-certificate password.',
        pin: 'Card PIN', ok: 'OK', cancel: 'Cancel', delivered: 'The document moved on to the next step.', queued: 'Signed and kept; it will be sent when the service is reachable.',
        countLow: 'A wrong PIN was entered before; type carefully.', discardTitle: 'Discard what you typed?', discardText: 'If you close, the opinion you typed is not kept.', discard: 'Discard and close', keepEditing: 'Keep editing', finalTry: 'Careful: one more wrong PIN locks the card.', noRecipient: 'Archive and dispatch have no next person.', tempNotHere: 'No temporary certificate is enabled on this computer (see IFT930).',
      },
      ift930: {
        state: 'State', states: { none: 'Not applied', applied: 'Applied, not enabled on this computer', 'enabled-here': 'Enabled on this computer', disabled: 'Disabled (enable and download again)' },
        loginPassword: 'Login password (to confirm it is you)', loginPasswordWhy: 'Applying for, enabling or deleting a temporary certificate asks for your login password again.',
        changes: 'Since your last login your temporary certificate was changed as follows; if this was not you, tell the administrator at once:', change: '{{action}} {{at}} ({{pc}})',
        actions: { apply: 'applied', enable: 'enabled', delete: 'deleted', disable: 'disabled' }, unknownPc: 'unknown computer',
        password: 'Temporary-certificate password', reason: 'Reason', apply: 'Apply for certificate', enable: 'Enable and download certificate', enablePassword: 'Certificate password', delete: 'Delete certificate',
        deleteWarn: 'After deleting you must apply again with a password and a reason. Delete?', applied: 'Applied; now click "Enable and download certificate".', enabled: 'Done: this computer can use the temporary certificate.', reasonShown: 'Reason: {{reason}}', pc: 'Computer: {{pc}}, valid until {{until}}',
      },
      ift940: {
        pending: 'Steps to re-sign', none: 'Nothing to re-sign.', note: 'Re-sign note', pin: 'Card PIN', resign: 'Re-sign', cancel: 'Cancel', progress: 'Re-signing: {{done}} / {{total}}  {{current}}', progressName: 'Re-sign progress', progressSpoken: 'Re-signing: {{done}} of {{total}} done.',
        done: 'Re-signed: {{resigned}}.', already: '{{count}} were already re-signed.', refused: '{{count}} could not be re-signed.', disable: 'Disable temporary certificate', disableWarn: 'After disabling, nobody can send with this temporary certificate; to use it again, enable and download it. Disable?', disabled: 'The temporary certificate is disabled.',
        sentAt: 'Sent', seq: 'No.', number: 'Document number', subject: 'Subject', change: 'Change type',
        signedWith: 'Temp signature', thisPc: 'Signed on this computer', otherPc: 'Signed on another computer (confirm)', refusedTag: 'Cannot re-sign', confirmOtherPc: 'I have checked the {{count}} steps signed with a temporary certificate on another computer; re-sign them too.',
      },
      settings: { service: 'Service address', serviceLocked: '(set by the administrator)', module: 'PKCS#11 module path', moduleHelp: 'Leave empty to find HiCOS, OpenSC or SoftHSM.', language: 'Language', save: 'Save', saved: 'Settings saved.', diagnostics: 'Card diagnostics', runDiagnostics: 'Check reader and card' },
      outbox: { pending: '{{count}} signed documents are waiting to be sent.', retry: 'Send now', refused: 'Document {{number}} could not be sent: {{message}}', dismiss: 'OK' },
      common: { loading: 'Loading…', retry: 'Retry', close: 'Close', confirm: 'OK', cancel: 'Cancel' },
    },
  },
} as const;

export type Language = keyof typeof resources;

export function initI18n(language: Language = 'zh-TW') {
  void i18next.use(initReactI18next).init({ resources, lng: language, fallbackLng: 'zh-TW', interpolation: { escapeValue: false } });
  return i18next;
}
