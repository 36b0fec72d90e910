/**
 * The project's error codes. A code is a stable contract between the service, the desktop app and
 * whoever reads the audit log: never rename one. Each carries the HTTP status the service answers
 * with and a sentence a clerk understands, in zh-TW first and English second.
 */
export const errorCatalog = {
  // Requests
  MALFORMED_REQUEST: [400, '送出的資料格式不正確，無法處理。', 'The request is not well-formed.'],
  VALIDATION_FAILED: [400, '有欄位未填或格式不符，請檢查後再試。', 'Some fields are missing or not in the expected form.'],
  PAYLOAD_TOO_LARGE: [413, '送出的資料太大，請縮小附件或內容後再試。', 'The request is too large.'],
  NOT_FOUND: [404, '找不到要求的項目。', 'The requested item does not exist.'],
  RATE_LIMITED: [429, '密碼錯誤次數過多，請稍候幾分鐘再試。', 'Too many wrong passwords: wait a few minutes and try again.'],
  INTERNAL: [500, '系統發生未預期的錯誤，請稍後再試或聯絡系統管理員。', 'An unexpected error occurred; try again later or call the administrator.'],

  // Accounts and sessions
  LOGIN_FAILED: [401, '帳號或密碼錯誤。', 'The account or password is wrong.'],
  UNAUTHENTICATED: [401, '尚未登入或登入已逾時，請重新登入。', 'You are not logged in, or your session has expired.'],
  USER_UNKNOWN: [404, '找不到這個使用者帳號。', 'There is no user with that account.'],

  // Documents and their flow
  DOCUMENT_NOT_FOUND: [404, '找不到這份公文。', 'The document does not exist.'],
  DOCUMENT_NUMBER_INVALID: [400, '公文文號應為以民國年開頭的 10 位數字。', 'A document number is 10 digits beginning with the ROC year.'],
  DOCUMENT_NUMBER_TAKEN: [409, '這個公文文號已經使用過。', 'That document number is already in use.'],
  NOT_CURRENT_HOLDER: [403, '這份公文目前不在您手上，無法處理。', 'The document is not with you at this step.'],
  DOCUMENT_CLOSED: [409, '這份公文已歸檔或發文，流程已結束。', 'The document is archived or dispatched; its flow has ended.'],
  ACTION_NOT_ALLOWED: [409, '這份公文目前不能做這個動作。', 'That action is not allowed for the document at this step.'],
  RECIPIENT_REQUIRED: [400, '請選擇下一關的負責人員。', 'Choose who the document goes to next.'],
  RECIPIENT_UNKNOWN: [400, '找不到下一關的負責人員。', 'The next person in the flow does not exist.'],
  STEP_CONFLICT: [409, '這一關已由其他操作處理，請重新開啟公文。', 'This step was already handled by another action; reopen the document.'],
  STEP_TOKEN_STALE: [409, '公文已有變動，這份簽章不再適用，請重新開啟公文後再傳送。', 'The document has moved on; reopen it and send again.'],
  RESIGN_REQUIRED: [409, '這份公文還有以臨時憑證簽核的關卡尚未補簽，歸檔或發文前須先以實體卡補簽。', 'Steps signed with a temporary certificate must be re-signed with the card before archiving or dispatch.'],
  IDEMPOTENCY_KEY_REUSED: [422, '同一個傳送編號被用在不同的內容上。', 'The same idempotency key was used for a different request.'],
  ATTACHMENT_INVALID: [400, '附件內容不正確。', 'An attachment is not valid.'],

  // Signatures
  SIGNATURE_MALFORMED: [400, '簽章資料損毀或不是有效的簽章格式。', 'The signature is damaged or not a CMS signature.'],
  SIGNATURE_PROFILE: [400, '簽章缺少必要的資訊（簽章時間、內容摘要或憑證）。', 'The signature lacks required attributes (signing time, digest or certificate).'],
  WEAK_ALGORITHM: [400, '簽章使用的演算法強度不足，已不被接受。', 'The signature uses an algorithm that is no longer accepted.'],
  SIGNATURE_PAYLOAD_MISMATCH: [400, '簽章內容與公文這一關的資料不符。', 'The signature is over other data than this step.'],
  SIGNATURE_INVALID: [400, '簽章驗證失敗。', 'The signature does not verify.'],
  SIGNING_TIME_INVALID: [400, '簽章時間不合理，請檢查電腦的日期與時間。', 'The signing time is implausible; check the computer’s clock.'],
  SIGNER_NOT_USER: [403, '簽章的憑證不屬於目前登入的使用者。', 'The signing certificate does not belong to you.'],
  CERT_UNKNOWN: [400, '無法辨識簽章所用的憑證。', 'The signing certificate is not known.'],
  CERT_UNTRUSTED: [400, '簽章所用的憑證不是由信任的憑證機構簽發。', 'The signing certificate is not issued by a trusted authority.'],
  CERT_REVOKED: [400, '簽章所用的憑證已被停用或廢止。', 'The signing certificate has been revoked.'],
  CERT_EXPIRED: [400, '簽章所用的憑證不在有效期間內。', 'The signing certificate is outside its validity period.'],
  CERT_NOT_REGISTERED: [400, '這張實體卡的憑證尚未登錄在您的帳號下，請聯絡系統管理員。', 'This card certificate is not registered to your account.'],

  // Temporary certificates (IFT930 / IFT940)
  TEMP_CERT_ALREADY_APPLIED: [409, '您已申請過臨時憑證；若要更換密碼或申請原因，請先刪除憑證。', 'You have already applied; delete the certificate to change the password or reason.'],
  TEMP_CERT_NOT_APPLIED: [409, '您尚未申請臨時憑證，請先至 IFT930 申請。', 'You have not applied for a temporary certificate.'],
  TEMP_CERT_PASSWORD_WRONG: [403, '軟體憑證密碼錯誤。', 'The temporary-certificate password is wrong.'],
  TEMP_CERT_PASSWORD_WEAK: [400, '軟體憑證密碼至少需 8 個字元。', 'The temporary-certificate password must have at least 8 characters.'],
  CSR_INVALID: [400, '憑證申請資料不正確，請重新啟用並下載憑證。', 'The certificate request is not valid.'],
  TEMP_CERT_NOT_ENABLED: [409, '這台電腦尚未啟用臨時憑證，請先至 IFT930 啟用並下載憑證。', 'No temporary certificate is enabled on this computer.'],

  // Re-signing (補簽)
  RESIGN_STEP_UNKNOWN: [404, '找不到要補簽的公文關卡。', 'The step to re-sign does not exist.'],
  RESIGN_NOT_TEMP: [409, '這一關不是以臨時憑證簽核，不需補簽。', 'This step was not signed with a temporary certificate.'],
  COUNTERSIGNATURE_INVALID: [400, '補簽簽章不正確，與該關卡原本的簽章不符。', 'The countersignature does not match the step’s signature.'],
} as const satisfies Record<string, readonly [number, string, string]>;

export type ErrorCode = keyof typeof errorCatalog;

export const errorCodes = Object.keys(errorCatalog) as ErrorCode[];

export function httpStatusOf(code: ErrorCode): number {
  return errorCatalog[code][0];
}

export function messageOf(code: ErrorCode, language: 'zh-TW' | 'en' = 'zh-TW'): string {
  const [, zh, en] = errorCatalog[code];
  return language === 'en' ? en : zh;
}

/** The body of every 4xx/5xx answer of the service. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  /** Which field, step or certificate the error is about, when it helps the caller. */
  detail?: string;
}

/** Thrown wherever a request must be refused; the service turns it into an ErrorBody. */
export class GongwenError extends Error {
  readonly code: ErrorCode;
  readonly detail: string | undefined;

  constructor(code: ErrorCode, detail?: string) {
    super(messageOf(code, 'en'));
    this.name = 'GongwenError';
    this.code = code;
    this.detail = detail;
  }

  toBody(language: 'zh-TW' | 'en' = 'zh-TW'): ErrorBody {
    return this.detail === undefined
      ? { code: this.code, message: messageOf(this.code, language) }
      : { code: this.code, message: messageOf(this.code, language), detail: this.detail };
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(errorCatalog, value);
}
