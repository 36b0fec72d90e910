/**
 * The project's error codes. A code is a stable contract between the service, the desktop app and
 * whoever reads the audit log: never rename one. Each carries the HTTP status the service answers
 * with and a sentence a clerk understands, in zh-TW first and English second.
 */
export const errorCatalog = {
  // Requests
  MALFORMED_REQUEST: [400, '送出的資料格式不正確，無法處理。', 'The request is not well-formed.'],
  VALIDATION_FAILED: [400, '有欄位未填或格式不符，請檢查後再試。', 'Some fields are missing or not in the expected form.'],
  HEADERS_TOO_LARGE: [431, '送出的要求標頭或網址太長，無法處理。', 'The request’s headers or address are too long.'],
  REQUEST_TIMEOUT: [408, '送出資料的時間過長，連線已中止，請再試一次。', 'The request took too long to arrive; try again.'],
  PAYLOAD_TOO_LARGE: [413, '送出的資料太大，請縮小附件或內容後再試。', 'The request is too large.'],
  UNSUPPORTED_MEDIA_TYPE: [
    415,
    '送出的資料類型不符：附件檔案以 application/octet-stream 上傳，其他資料以 JSON 送出。',
    'Wrong content type: attachment files are uploaded as application/octet-stream, everything else is sent as JSON.',
  ],
  NOT_FOUND: [404, '找不到要求的項目。', 'The requested item does not exist.'],
  RATE_LIMITED: [429, '密碼錯誤次數過多，請稍候幾分鐘再試。', 'Too many wrong passwords: wait a few minutes and try again.'],
  INTERNAL: [500, '系統發生未預期的錯誤，請稍後再試或聯絡系統管理員。', 'An unexpected error occurred; try again later or call the administrator.'],
  // The service answers /admin from the console's build (out/admin); a service started without it says so.
  CONSOLE_NOT_BUILT: [
    503,
    '管理主控台尚未建置：請在服務的程式目錄執行 npm run build:admin 後重新整理。',
    'The admin console is not built: run npm run build:admin in the service’s folder, then reload.',
  ],

  // Accounts and sessions
  LOGIN_FAILED: [401, '帳號或密碼錯誤。', 'The account or password is wrong.'],
  UNAUTHENTICATED: [401, '尚未登入或登入已逾時，請重新登入。', 'You are not logged in, or your session has expired.'],
  REAUTH_FAILED: [403, '登入密碼錯誤，臨時憑證未變更。', 'The login password is wrong; the temporary certificate was not changed.'],
  USER_UNKNOWN: [404, '找不到這個使用者帳號。', 'There is no user with that account.'],
  PASSWORD_POLICY: [
    400,
    '密碼至少需 12 個字元，不可包含帳號名稱，也不可是常見或示範用的密碼。',
    'A password must have at least 12 characters, must not contain the account name and must not be a common or demo password.',
  ],

  // Documents and their flow
  DOCUMENT_NOT_FOUND: [404, '找不到這份公文。', 'The document does not exist.'],
  DOCUMENT_NUMBER_INVALID: [400, '公文文號應為以民國年開頭的 10 位數字。', 'A document number is 10 digits beginning with the ROC year.'],
  DOCUMENT_NUMBERS_EXHAUSTED: [409, '本年度的公文文號已用盡，請聯絡系統管理員。', 'This year’s document numbers are used up; call the administrator.'],
  DOCUMENT_NUMBER_TAKEN: [409, '這個公文文號已經使用過。', 'That document number is already in use.'],
  NOT_CURRENT_HOLDER: [403, '這份公文目前不在您手上，無法處理。', 'The document is not with you at this step.'],
  DOCUMENT_CLOSED: [409, '這份公文已歸檔或發文，流程已結束。', 'The document is archived or dispatched; its flow has ended.'],
  ACTION_NOT_ALLOWED: [409, '這份公文目前不能做這個動作。', 'That action is not allowed for the document at this step.'],
  RECIPIENT_REQUIRED: [400, '請選擇下一關的負責人員。', 'Choose who the document goes to next.'],
  RECIPIENT_UNKNOWN: [400, '找不到下一關的負責人員。', 'The next person in the flow does not exist.'],
  STEP_CONFLICT: [409, '這一關已由其他操作處理，請重新開啟公文。', 'This step was already handled by another action; reopen the document.'],
  STEP_TOKEN_STALE: [409, '公文已有變動，這份簽章不再適用，請重新開啟公文後再傳送。', 'The document has moved on; reopen it and send again.'],
  RESIGN_REQUIRED: [
    409,
    '這份公文還有以臨時憑證簽核的關卡尚未補簽，歸檔或發文前須先以實體卡補簽。',
    'Steps signed with a temporary certificate must be re-signed with the card before archiving or dispatch.',
  ],
  IDEMPOTENCY_KEY_REUSED: [422, '同一個傳送編號被用在不同的內容上。', 'The same idempotency key was used for a different request.'],
  ATTACHMENT_INVALID: [400, '附件內容不正確。', 'An attachment is not valid.'],
  ATTACHMENT_UPLOAD_UNKNOWN: [
    400,
    '找不到已上傳的附件（可能已用於其他公文或已超過一天），請重新上傳。',
    'The uploaded attachment is not there (already used by a document, or older than a day); upload it again.',
  ],
  ATTACHMENT_UPLOADS_FULL: [
    429,
    '尚未使用的已上傳附件太多，請先建立公文或稍後再試。',
    'Too many uploaded attachments are waiting for a document; create the document first or try later.',
  ],

  // Signatures
  SIGNATURE_MALFORMED: [400, '簽章資料損毀或不是有效的簽章格式。', 'The signature is damaged or not a CMS signature.'],
  // Well-formed CMS outside the profile: the detail names the reason (signatureReasonCatalog).
  SIGNATURE_PROFILE: [
    400,
    '簽章格式正確，但不符合本系統接受的簽章規範（演算法、簽章屬性或簽章者識別方式）。',
    'The signature is well-formed CMS but outside the accepted signature profile (algorithms, signed attributes or signer identifier).',
  ],
  WEAK_ALGORITHM: [400, '簽章使用的演算法強度不足，已不被接受。', 'The signature uses an algorithm that is no longer accepted.'],
  SIGNATURE_PAYLOAD_MISMATCH: [400, '簽章內容與公文這一關的資料不符。', 'The signature is over other data than this step.'],
  SIGNATURE_INVALID: [400, '簽章驗證失敗。', 'The signature does not verify.'],
  SIGNING_TIME_INVALID: [400, '簽章時間不合理，請檢查電腦的日期與時間。', 'The signing time is implausible; check the computer’s clock.'],
  TIME_STAMP_INVALID: [
    400,
    '時戳無效：不是針對這個簽章值，或不是由信任的時戳機關簽發。',
    'The time-stamp is not over this signature value, or not from a trusted time-stamping authority.',
  ],
  TIME_STAMP_UNAVAILABLE: [503, '時戳機關目前無法連線，請稍後再試。', 'The time-stamping authority cannot be reached; try again later.'],
  SIGNING_TIME_AFTER_TIME_STAMP: [
    400,
    '簽章時間晚於時戳機關蓋的時戳時間，請檢查電腦的日期與時間。',
    'The signing time is later than the time-stamp over the signature; check the computer’s clock.',
  ],
  SIGNER_NOT_USER: [403, '簽章的憑證不屬於目前登入的使用者。', 'The signing certificate does not belong to you.'],
  CERT_UNKNOWN: [400, '無法辨識簽章所用的憑證。', 'The signing certificate is not known.'],
  CERT_UNTRUSTED: [400, '簽章所用的憑證不是由信任的憑證機構簽發。', 'The signing certificate is not issued by a trusted authority.'],
  CERT_REVOKED: [400, '簽章所用的憑證已被停用或廢止。', 'The signing certificate has been revoked.'],
  CERT_EXPIRED: [400, '簽章所用的憑證不在有效期間內。', 'The signing certificate is outside its validity period.'],
  CERT_NOT_REGISTERED: [400, '這張實體卡的憑證尚未登錄在您的帳號下，請聯絡系統管理員。', 'This card certificate is not registered to your account.'],
  // Card certificate paths (RFC 5280 §6.1) and the signing-certificate profile of the leaf
  CERT_MALFORMED: [400, '簽章附帶的憑證格式不正確，無法讀取。', 'A certificate that came with the signature cannot be read.'],
  CERT_CHAIN_EXPIRED: [
    400,
    '憑證鏈中的憑證機構憑證在簽章時或現在不在有效期間內。',
    'A certificate authority in the chain is outside its validity period at the signing time or now.',
  ],
  CERT_CHAIN_NOT_CA: [
    400,
    '憑證鏈中有憑證不是憑證機構憑證，不能簽發其他憑證。',
    'A certificate in the chain is not a certificate authority and cannot issue certificates.',
  ],
  CERT_CHAIN_PATH_LENGTH: [
    400,
    '憑證鏈的層數超過上層憑證機構所允許的長度。',
    'The chain is longer than a certificate authority in it allows (pathLenConstraint).',
  ],
  CERT_CRITICAL_EXTENSION: [
    400,
    '憑證含有無法處理的關鍵延伸欄位，不予接受。',
    'A certificate carries a critical extension that the service does not understand.',
  ],
  CERT_WEAK_ALGORITHM: [
    400,
    '憑證鏈中有憑證使用不被接受的演算法（須 SHA-256 以上，RSA 至少 2048 位元或 P-256／P-384 曲線）。',
    'A certificate in the chain uses an algorithm that is not accepted (SHA-256 or stronger; RSA of at least 2048 bits, or the P-256/P-384 curves).',
  ],
  CERT_NOT_FOR_SIGNING: [
    400,
    '這張憑證的金鑰用途不含數位簽章（例如加密用憑證），不能用來簽核公文。',
    'This certificate’s key usage does not allow signing (it is an encryption certificate, for example).',
  ],
  CERT_IS_CA: [400, '這是憑證機構的憑證，不能用來簽核公文。', 'This is a certificate authority’s certificate; it cannot sign documents.'],

  // Card login (憑證卡登入) and card replacement (註冊新憑證卡)
  CARD_CHALLENGE_UNKNOWN: [
    400,
    '這次憑證卡登入或註冊的驗證碼不是公文系統發出的，請重新操作一次。',
    'The card challenge was not issued by the service (or not for this purpose or person); start again.',
  ],
  CARD_CHALLENGE_USED: [
    409,
    '這次憑證卡登入或註冊的驗證碼已經用過，不能再用；請重新操作一次。',
    'The card challenge has already been used and cannot be used again; start again.',
  ],
  CARD_CHALLENGE_EXPIRED: [
    409,
    '憑證卡簽章等候太久，驗證碼已逾時（2 分鐘），請重新操作一次。',
    'The card challenge expired (it lasts 2 minutes); start again.',
  ],
  CARD_OF_ANOTHER_USER: [
    403,
    '這張憑證卡登錄在其他人的帳號下，不能用於這個帳號；請確認帳號與插入的卡片都是您本人的。',
    'This card is registered to someone else’s account and cannot be used for this one.',
  ],
  CARD_RETIRED: [
    403,
    '這張憑證卡已停用（例如已換發新卡），不能再用來登入或簽核；它以前簽過的公文仍然有效。請改用新卡，或請系統管理員協助。',
    'This card has been retired (replaced by a new one): it can no longer log in or sign, though what it signed stays valid. Use the new card.',
  ],
  CARD_NOT_SAME_PERSON: [
    403,
    '新憑證卡上的姓名或身分識別碼與您已登錄的憑證卡不同，不能登錄到您的帳號；請確認插入的是您本人的新卡，或請系統管理員協助登錄。',
    'The new card’s name or identity number differs from the card registered to you, so it cannot be registered to your account; ask the administrator.',
  ],
  CARD_NONE_REGISTERED: [
    409,
    '您的帳號還沒有登錄任何憑證卡，第一張卡須由系統管理員登錄。',
    'No card is registered to your account yet: the administrator registers the first one.',
  ],
  CARD_LOGIN_RATE_LIMITED: [
    429,
    '這個帳號的憑證卡登入或註冊失敗次數過多，請稍候 15 分鐘再試。',
    'Too many failed card logins or registrations for this account: wait 15 minutes and try again.',
  ],
  CARD_UNKNOWN: [404, '在您的帳號下找不到這張憑證卡。', 'That card is not registered to your account.'],

  // Temporary certificates (IFT930 / IFT940)
  TEMP_CERT_ALREADY_APPLIED: [
    409,
    '您已申請過臨時憑證；若要更換密碼或申請原因，請先刪除憑證。',
    'You have already applied; delete the certificate to change the password or reason.',
  ],
  TEMP_CERT_NOT_APPLIED: [409, '您尚未申請臨時憑證，請先至 IFT930 申請。', 'You have not applied for a temporary certificate.'],
  TEMP_CERT_PASSWORD_WRONG: [403, '軟體憑證密碼錯誤。', 'The temporary-certificate password is wrong.'],
  TEMP_CERT_PASSWORD_WEAK: [400, '軟體憑證密碼至少需 8 個字元。', 'The temporary-certificate password must have at least 8 characters.'],
  CSR_INVALID: [400, '憑證申請資料不正確，請重新啟用並下載憑證。', 'The certificate request is not valid.'],
  TEMP_CERT_NOT_ENABLED: [409, '這台電腦尚未啟用臨時憑證，請先至 IFT930 啟用並下載憑證。', 'No temporary certificate is enabled on this computer.'],
  TEMP_CERT_AWAITING_APPROVAL: [
    409,
    '您的臨時憑證申請尚待單位主管核准，核准後才能啟用並下載憑證。',
    'Your temporary-certificate application awaits your unit head’s approval; it can be enabled once approved.',
  ],
  TEMP_CERT_REJECTED: [
    409,
    '單位主管未核准您的臨時憑證申請；請依主管意見刪除憑證後重新申請。',
    'Your unit head did not approve the application; delete it and apply again as the comment says.',
  ],
  TEMP_CERT_PERIOD_ENDED: [
    403,
    '臨時憑證的使用期間已結束，不能再以臨時憑證傳送；請使用憑證卡，或刪除憑證後重新申請。',
    'The temporary certificate’s period has ended: it can no longer send. Use the card, or delete it and apply again.',
  ],
  TEMP_CERT_PERIOD_INVALID: [
    400,
    '申請的使用期間不正確：結束時間須晚於現在，且不超過機關規定的天數；未規定期間時不可填寫。',
    'The period asked for is not valid: its end must be after now and within the agency’s number of days (and left out when the agency sets none).',
  ],
  TEMP_CERT_NOT_PENDING: [409, '這項臨時憑證申請不是待主管核准，無法核准或退回。', 'That application is not awaiting approval.'],
  NOT_UNIT_HEAD: [403, '您不是這位申請人的單位主管，不能核准或退回這項申請。', 'You are not the applicant’s unit head.'],
  TEMP_CERT_RENEWAL_REFUSED: [
    409,
    '無法更新這張臨時憑證：它已停用、已過期、不屬於您，或機關規定了使用期間（期滿須重新申請）。',
    'That temporary certificate cannot be renewed: it is revoked, expired, not yours, or the agency sets a period (apply again when it ends).',
  ],

  // Re-signing (補簽)
  RESIGN_STEP_UNKNOWN: [404, '找不到要補簽的公文關卡。', 'The step to re-sign does not exist.'],
  RESIGN_NOT_TEMP: [409, '這一關不是以臨時憑證簽核，不需補簽。', 'This step was not signed with a temporary certificate.'],
  COUNTERSIGNATURE_INVALID: [400, '補簽簽章不正確，與該關卡原本的簽章不符。', 'The countersignature does not match the step’s signature.'],

  // Organisation: deputies, separation, the monthly figures (issue 16)
  ADMINISTRATOR_REQUIRED: [403, '只有系統管理員可以執行這項作業。', 'Only an administrator may do this.'],
  USER_SEPARATED: [
    403,
    '這個帳號的使用者已離職，不能再登入或傳送公文；未補簽的公文由職務代理人或權責主管代為補簽。',
    'This person has left the agency: they can no longer log in or send; their deputies or unit head re-sign their pending steps.',
  ],
  USER_ALREADY_SEPARATED: [409, '這位使用者已經登記離職，沒有再做任何變更。', 'This person is already recorded as having left; nothing was changed.'],
  SEPARATION_DATE_INVALID: [400, '離職日期須是今天或之前的日期（YYYY-MM-DD）。', 'The day of leaving must be today or earlier (YYYY-MM-DD).'],
  UNIT_UNKNOWN: [404, '找不到這個單位。', 'There is no such unit.'],
  DEPUTY_UNKNOWN: [404, '找不到指定的職務代理人帳號。', 'There is no user with the deputy’s account.'],
  DEPUTY_SELF: [400, '不能指定自己為自己的職務代理人。', 'A person cannot be their own deputy.'],
  DEPUTY_SEPARATED: [409, '指定的職務代理人已離職，不能擔任職務代理人。', 'The person named as deputy has left the agency.'],
  DEPUTY_RANGE_INVALID: [
    400,
    '代理期間不正確：結束日不可早於開始日或今天，期間最長 366 天。',
    'The deputy’s range is not valid: it must not end before it starts or before today, and lasts at most 366 days.',
  ],
  DEPUTY_NOT_ALLOWED: [
    403,
    '只能為自己指定職務代理人；單位主管僅能為本單位尚未指定代理人的同仁指定。',
    'You may name your own deputies; a unit head may name one only for a person of their unit who has named none.',
  ],
  DEPUTY_REAUTH_FAILED: [403, '登入密碼錯誤，職務代理人未變更。', 'The login password is wrong; no deputy was named.'],
  DEPUTY_NOT_FOUND: [404, '找不到這筆職務代理人資料，或已經撤銷。', 'There is no such deputy, or it was already withdrawn.'],
  FIGURES_NOT_ALLOWED: [
    403,
    '只有該單位的權責主管或系統管理員可以查看這個單位的統計。',
    'Only the unit’s head or an administrator may read the unit’s figures.',
  ],
  // Re-signing on behalf (代為補簽) and on paper (紙本補簽)
  ON_BEHALF_NO_RIGHT: [
    403,
    '您不是這位同仁的職務代理人或權責主管，不能代為補簽。',
    'You are neither a deputy nor the unit head of this step’s signer, so you cannot re-sign it on their behalf.',
  ],
  ON_BEHALF_OUTSIDE_DATES: [
    403,
    '今天不在您擔任職務代理人的期間內，不能代為補簽。',
    'Today is outside the dates you are named deputy for, so you cannot re-sign on their behalf.',
  ],
  ON_BEHALF_NOT_DUE: [
    409,
    '這一關尚未逾期，簽核人也仍在職，應由本人補簽。',
    'This step is not yet overdue and its signer has not left: the signer re-signs it.',
  ],
  RESIGN_ALREADY_DONE: [
    409,
    '這一關已經補簽過了（由本人、代為補簽或紙本補簽）。',
    'This step has already been re-signed (by the signer, on behalf or on paper).',
  ],
  RESIGN_REASON_REQUIRED: [400, '代為補簽或紙本補簽須填寫原因。', 'A re-sign on behalf or on paper needs a reason.'],
  PAPER_NOT_ACCEPTED: [403, '本機關的規定不接受紙本補簽。', 'The agency’s policy does not accept re-signing on paper.'],
  PAPER_UNIT_HEAD_ONLY: [403, '紙本補簽只能由簽核人的權責主管登錄。', 'Only the signer’s unit head may record a paper re-sign.'],
  PAPER_SCAN_INVALID: [400, '紙本掃描檔須為 PDF、PNG 或 JPEG 檔。', 'The scan must be a PDF, PNG or JPEG file.'],

  // The admin console (issue 18)
  ADMIN_UNAUTHENTICATED: [401, '尚未登入管理介面或登入已逾時，請重新登入。', 'You are not logged in to the console, or its session has expired.'],
  ADMIN_ROLE_REQUIRED: [
    403,
    '您沒有這項管理作業的權限：須具備系統管理者或檔案管理角色（依作業而定），請洽系統管理者。',
    'You lack the role this console task needs (系統管理者 IT or 檔案管理 records office, by task); ask an IT administrator.',
  ],
  CSRF_TOKEN_MISSING: [
    403,
    '要求缺少管理介面的安全驗證碼（CSRF），未做任何變更；請重新整理頁面。',
    'The request carries no CSRF token; nothing was changed. Reload the page.',
  ],
  CSRF_TOKEN_INVALID: [
    403,
    '管理介面的安全驗證碼（CSRF）不正確，未做任何變更；請重新整理頁面。',
    'The CSRF token is wrong; nothing was changed. Reload the page.',
  ],
  ACCOUNT_TAKEN: [409, '這個帳號已經有人使用。', 'That account is already in use.'],
  ROLE_BY_CONFIGURATION: [
    409,
    '這個帳號的系統管理者角色來自服務的設定（GONGWEN_ADMINISTRATORS），須在設定中移除。',
    'This account is an IT administrator by the service’s configuration (GONGWEN_ADMINISTRATORS); remove it there.',
  ],
  TEMP_CERT_UNKNOWN: [404, '找不到這張臨時憑證。', 'There is no such temporary certificate.'],
  // Console login by card (issue 18): a browser's login request approved with the card in GongwenDesk
  CONSOLE_CARD_LOGIN_UNKNOWN: [
    404,
    '找不到這個主控台登入要求：請確認輸入的代碼與主控台頁面上顯示的相同，或在主控台重新按「以憑證卡登入」。',
    'There is no such console login request: check the code against the one the console page shows, or start again there.',
  ],
  CONSOLE_CARD_LOGIN_EXPIRED: [
    409,
    '這個主控台登入要求已逾時（2 分鐘），未做任何變更；請在主控台重新按「以憑證卡登入」。',
    'The console login request has expired (2 minutes); nothing was changed. Start again on the console page.',
  ],
  CONSOLE_CARD_LOGIN_USED: [
    409,
    '這個主控台登入要求已經核准或使用過，不能再用；請在主控台重新按「以憑證卡登入」。',
    'The console login request has already been approved or used; start again on the console page.',
  ],
  CONSOLE_CARD_LOGIN_RATE_LIMITED: [
    429,
    '這台電腦送出的主控台登入要求過多，請稍候 2 分鐘再試。',
    'Too many console login requests from this address: wait 2 minutes and try again.',
  ],
  STATISTICS_RANGE_INVALID: [
    400,
    '統計期間不正確：結束月份不可早於開始月份，最長 24 個月。',
    'The months are not valid: to must not precede from, and at most 24 months.',
  ],
  UNIT_NAME_TAKEN: [409, '已有單位使用這個名稱。', 'Another unit already has that name.'],
} as const satisfies Record<string, readonly [number, string, string]>;

/**
 * Errors that arise on the clerk's PC: the card, the keychain, the outbox, reaching the service.
 * They never cross HTTP, so they carry no status.
 */
export const clientErrorCatalog = {
  CARD_MODULE_NOT_FOUND: [
    '無法載入讀卡機驅動程式（PKCS#11 模組），請確認已安裝卡片管理工具（如 HiCOS），或在設定中指定模組路徑。',
    'The PKCS#11 module could not be loaded; install the card software (e.g. HiCOS) or set the module path in Settings.',
  ],
  CARD_MODULE_NOT_ALLOWED: [
    '這個讀卡機驅動程式（PKCS#11 模組）不在允許清單中，無法使用；請選用清單中的模組，或請系統管理員將它加入設定檔。',
    'That PKCS#11 module is not in the list of known or administrator-approved modules, so it will not be loaded.',
  ],
  CARD_MODULE_MISSING: [
    '指定的讀卡機驅動程式（PKCS#11 模組）檔案不存在，請確認路徑；留空則自動尋找。',
    'There is no file at the PKCS#11 module path given; check it, or leave it empty to find the module automatically.',
  ],
  CARD_BUSY: [
    '憑證卡正由另一項作業使用中（例如補簽），請等它完成或取消後再試。',
    'The card is in use by another operation (a re-sign batch, for example); wait for it to finish or cancel it, then try again.',
  ],
  CARD_NO_READER: ['找不到讀卡機，請確認讀卡機已連接電腦。', 'No card reader was found; check that it is connected.'],
  CARD_NOT_PRESENT: ['讀卡機中沒有憑證卡，請插入您的憑證卡。', 'There is no card in the reader; insert your card.'],
  CARD_NOT_CHOSEN: [
    '電腦上插著不只一張憑證卡（或先前選用的卡已拔出），請先在畫面上方的憑證卡狀態選擇要使用的憑證卡。',
    'More than one card is present (or the card chosen before was removed); choose the card to use at the card status at the top of the screen.',
  ],
  CARD_NOT_IN_READER: ['選擇的憑證卡已不在讀卡機中，請重新選擇。', 'The card chosen is no longer in a reader; choose again.'],
  CARD_REMOVED: [
    '憑證卡在作業中被移除，已完成的部分都已保存；請重新插入憑證卡後再繼續。',
    'The card was removed during the operation; what was done is kept. Insert the card and continue.',
  ],
  CARD_PIN_INCORRECT: ['憑證卡密碼（PIN 碼）錯誤，請重新輸入。', 'The card PIN is wrong; enter it again.'],
  CARD_PIN_FINAL_TRY: ['憑證卡密碼錯誤。再錯一次，憑證卡就會被鎖住。', 'The card PIN is wrong. One more wrong PIN will lock the card.'],
  // What to do next, as the issuers' rules say: their own unlock tool with the holder's code, or their office; never a third-party tool.
  CARD_PIN_LOCKED: [
    '憑證卡的 PIN 碼已被鎖住，這張卡暫時不能簽章。請以發卡機關的解鎖工具（須輸入持卡人的資料）或到其服務窗口辦理解鎖：自然人憑證（MOICA）請用內政部憑證管理中心的線上解鎖服務，或到戶政事務所臨櫃辦理；政府機關的憑證卡（GCA）請用政府憑證管理中心的「卡片解鎖」服務，或洽本機關的憑證承辦人。請勿使用其他來源的工具，可能使卡片永久無法使用。',
    'The card PIN is locked; the card cannot sign until it is unlocked. Unlock it with the issuer’s tool (it asks for the holder’s details) or at the issuer’s office: a citizen card (MOICA) with the MOICA online unlock service or at a household registration office; a government card (GCA) with the GCA’s card unlock (卡片解鎖) service, or through your agency’s certificate officer. Do not use other tools: they can lock the card for good.',
  ],
  CARD_PIN_LENGTH: ['PIN 碼長度不符，請確認後再輸入。', 'The PIN has the wrong length.'],
  CARD_NO_SIGNING_KEY: ['憑證卡中找不到簽章用的金鑰或憑證，請確認插入的是您的公務憑證卡。', 'No signing key or certificate was found on the card.'],
  CARD_FAILED: ['憑證卡作業失敗，請拔出憑證卡後重新插入再試一次。', 'The card operation failed; remove and re-insert the card, then try again.'],
  KEYCHAIN_UNAVAILABLE: [
    '無法使用作業系統的金鑰圈，臨時憑證無法安全保存，因此沒有存入任何資料。請聯絡系統管理員。',
    'The operating system keychain is not available, so nothing was stored; call the administrator.',
  ],
  TEMP_CERT_LOCKED: ['請先輸入軟體憑證密碼，解鎖這台電腦上的臨時憑證。', 'Enter the temporary-certificate password to unlock it on this computer.'],
  TEMP_CERT_DAMAGED: [
    '這台電腦上的臨時憑證資料已損毀，請刪除後重新啟用並下載憑證。',
    'The temporary certificate on this computer is damaged; enable and download it again.',
  ],
  SERVICE_UNREACHABLE: [
    '目前無法連線到公文系統。已簽章的公文已安全保存，連線恢復後會自動送出。',
    'The document service cannot be reached. Signed steps are kept and will be sent when it is back.',
  ],
  SERVICE_URL_INSECURE: ['公文系統網址必須使用 https（僅本機測試可用 http）。', 'The service address must use https (http only for this computer).'],
  SERVICE_URL_MISSING: ['尚未設定公文系統網址，請在「設定」中輸入。', 'No service address is set; enter it in Settings.'],
  SERVICE_URL_NOT_CONFIRMED: [
    '公文系統網址沒有變更：變更須在程式跳出的確認視窗中同意。',
    'The service address was not changed: a change must be confirmed in the app’s own dialog.',
  ],
  SERVICE_CERT_UNTRUSTED: [
    '無法驗證公文系統的憑證：它不是由作業系統信任的憑證機構或本機關的憑證機構（CA）所簽發，因此沒有連線；已簽章的公文保存在本機。請在「設定」中指定本機關 CA 憑證，或聯絡系統管理員。',
    'The document service’s certificate is not trusted: it was not issued by a CA the operating system trusts or by the agency CA, so no connection was made; signed steps are kept on this PC. Name the agency CA certificate in Settings, or call the administrator.',
  ],
  AGENCY_CA_NOT_CONFIRMED: [
    '本機關 CA 憑證沒有變更：變更須在程式跳出的確認視窗中同意。',
    'The agency CA was not changed: a change must be confirmed in the app’s own dialog.',
  ],
  AGENCY_CA_INVALID: [
    '指定的本機關 CA 憑證無法使用：須是一個 PEM 格式、在有效期間內的 CA 憑證檔（完整路徑）；沒有信任它。',
    'The agency CA certificate cannot be used: it must be the full path of a PEM file holding one CA certificate within its validity; it is not trusted.',
  ],
  SERVICE_ANSWER_TOO_LARGE: [
    '公文系統的回應超過允許的大小，已停止接收；請聯絡系統管理員。',
    'The service’s answer was larger than allowed and was not read; call the administrator.',
  ],
  DOCUMENT_CHANGED_SINCE_SHOWN: [
    '這份公文在您開啟後已有變動，沒有簽章；請重新開啟公文，確認內容後再傳送。',
    'The document changed after it was shown to you; nothing was signed. Reopen it, check it and send again.',
  ],
  SERVICE_ANSWER_INVALID: ['公文系統的回應無法辨識，請稍後再試或聯絡系統管理員。', 'The service answered something unexpected.'],
  OUTBOX_WRITE_FAILED: [
    '無法寫入待送公文暫存區（磁碟可能已滿），這次沒有簽出任何公文，請清出空間後再試。',
    'The outbox could not be written (the disk may be full); nothing was sent. Free some space and try again.',
  ],
  OUTBOX_UNREADABLE: [
    '無法讀取待送公文暫存區，為免遺失已簽章的公文，程式沒有開啟它；請聯絡系統管理員檢查資料夾權限或磁碟。',
    'The outbox journal cannot be read; it was left untouched so no signed step is lost. Call the administrator to check the folder or disk.',
  ],
  OUTBOX_IN_USE: ['待送公文暫存區正由另一個 GongwenDesk 使用中，請先關閉另一個視窗或程式。', 'Another GongwenDesk is using this outbox; close it first.'],
  RESIGN_CANCELLED: ['補簽已取消，已完成的部分都已保存，之後可以繼續。', 'Re-signing was cancelled; what was done is kept and can be continued later.'],
  RESIGN_NOT_LISTED: ['請先開啟待補簽公文清單，確認後再補簽。', 'Open the list of steps to re-sign and check it before re-signing.'],
  RESIGN_SIGNATURE_FOREIGN: [
    '這一關的簽章不是以您的臨時憑證所簽，憑證卡不會為它補簽，請聯絡系統管理員。',
    'This step’s signature was not made with a temporary certificate of yours; the card will not re-sign it. Call the administrator.',
  ],
  RESIGN_PAYLOAD_MISMATCH: [
    '這一關的簽章內容與清單所列的公文不符，憑證卡不會為它補簽，請聯絡系統管理員。',
    'What this step’s signature covers does not match the listed document; the card will not re-sign it. Call the administrator.',
  ],
  RESIGN_OTHER_PC_UNCONFIRMED: [
    '這一關是以您在其他電腦啟用的臨時憑證簽核，請先確認簽章內容再補簽。',
    'This step was signed with a temporary certificate you enabled on another computer; confirm what was signed before re-signing it.',
  ],
} as const satisfies Record<string, readonly [string, string]>;

export type ServiceErrorCode = keyof typeof errorCatalog;
export type ClientErrorCode = keyof typeof clientErrorCatalog;
export type ErrorCode = ServiceErrorCode | ClientErrorCode;

/** The codes the service answers with (its OpenAPI document lists these). */
export const errorCodes = Object.keys(errorCatalog) as ServiceErrorCode[];

function isServiceCode(code: ErrorCode): code is ServiceErrorCode {
  return Object.hasOwn(errorCatalog, code);
}

export function httpStatusOf(code: ErrorCode): number {
  return isServiceCode(code) ? errorCatalog[code][0] : 500;
}

export function messageOf(code: ErrorCode, language: 'zh-TW' | 'en' = 'zh-TW'): string {
  const [zh, en] = isServiceCode(code) ? errorCatalog[code].slice(1) : clientErrorCatalog[code];
  return (language === 'en' ? en : zh) as string;
}

/**
 * Why a well-formed signature is refused (SIGNATURE_PROFILE, WEAK_ALGORITHM): the detail sentence
 * of the answer, in the request's language, so an integrator learns what to change. zh-TW first.
 */
export const signatureReasonCatalog = {
  ONE_SIGNER: ['公文簽章只能有一位簽章者。', 'A step signature has exactly one signer.'],
  SIGNER_INFO_VERSION: [
    'SignerInfo 版本須為 1（以 issuerAndSerialNumber 識別簽章者）或 3（以 subjectKeyIdentifier 識別）。',
    'The SignerInfo version must be 1 with issuerAndSerialNumber, or 3 with subjectKeyIdentifier.',
  ],
  DIGEST_ALGORITHM: ['摘要演算法須為 SHA-256。', 'The digest algorithm must be SHA-256.'],
  WEAK_DIGEST: ['摘要演算法（SHA-1 或 MD5）強度不足。', 'The digest algorithm (SHA-1 or MD5) is too weak.'],
  WEAK_SIGNATURE_ALGORITHM: ['簽章演算法使用 SHA-1 或 MD5，強度不足。', 'The signature algorithm uses SHA-1 or MD5, which are too weak.'],
  SIGNATURE_ALGORITHM: [
    '簽章演算法須為 sha256WithRSAEncryption 或 RSASSA-PSS（RSA 金鑰），或 ecdsa-with-SHA256（EC 金鑰）。',
    'The signature algorithm must be sha256WithRSAEncryption or RSASSA-PSS for an RSA key, or ecdsa-with-SHA256 for an EC key.',
  ],
  PSS_PARAMETERS: [
    'RSASSA-PSS 參數須為 SHA-256、MGF1 搭配 SHA-256、salt 長度 32 位元組、trailer field 1。',
    'RSASSA-PSS must use SHA-256, MGF1 with SHA-256, a salt length of 32 bytes and trailer field 1.',
  ],
  WEAK_PSS: ['RSASSA-PSS 使用 SHA-1（含未指定參數時的預設值），強度不足。', 'RSASSA-PSS with SHA-1 (or its default parameters) is too weak.'],
  ALGORITHM_PARAMETERS: ['演算法識別碼帶有本規範不使用的參數。', 'An algorithm identifier carries parameters the profile does not use.'],
  WEAK_RSA_KEY: ['RSA 金鑰短於 2048 位元。', 'The RSA key is shorter than 2048 bits.'],
  WEAK_CURVE: ['EC 金鑰不是 P-256 或 P-384 曲線。', 'The EC key is not on the P-256 or P-384 curve.'],
  KEY_TYPE: ['憑證的金鑰既非 RSA 也非 EC。', 'The certificate’s key is neither RSA nor EC.'],
  SIGNED_ATTRIBUTES_MISSING: [
    '簽章缺少簽章屬性（content-type、message-digest、signing-time、signing-certificate-v2）。',
    'The signed attributes are missing (content-type, message-digest, signing-time, signing-certificate-v2).',
  ],
  CONTENT_TYPE_ATTRIBUTE: ['content-type 簽章屬性須存在且為 id-data。', 'The content-type attribute must be present and be id-data.'],
  COUNTERSIGNATURE_CONTENT_TYPE: ['補簽簽章（副署）不可帶 content-type 屬性。', 'A countersignature must not carry a content-type attribute.'],
  MESSAGE_DIGEST_MISSING: ['缺少 message-digest（內容摘要）簽章屬性。', 'The message-digest attribute is missing.'],
  SIGNING_TIME_MISSING: ['缺少 signing-time（簽章時間）簽章屬性。', 'The signing-time attribute is missing.'],
  SIGNING_CERTIFICATE_MISSING: ['缺少 signing-certificate-v2（CAdES 簽章憑證）簽章屬性。', 'The signing-certificate-v2 attribute (CAdES) is missing.'],
  SIGNING_CERTIFICATE_OTHER: [
    'signing-certificate-v2 屬性所指的不是簽章者的憑證。',
    'The signing-certificate-v2 attribute names another certificate than the signer’s.',
  ],
  SIGNING_CERTIFICATE_HASH: ['signing-certificate-v2 屬性的雜湊須為 SHA-256。', 'The signing-certificate-v2 attribute must use SHA-256.'],
  RESIGN_NOTE_MISSING: ['補簽簽章缺少補簽註記屬性。', 'The countersignature lacks the re-sign note attribute.'],
  ON_BEHALF_ATTRIBUTES: [
    '代為補簽的簽章須同時帶有原因與原簽核人帳號屬性，各一個值。',
    'A countersignature on behalf carries both the reason and the signer’s account attributes, one value each.',
  ],
  ATTRIBUTE_REPEATED: ['有簽章屬性重複出現或帶有多個值。', 'A signed attribute appears more than once or with more than one value.'],
  CONTENT_NOT_DATA: ['簽章內容型別須為 id-data。', 'The signed content type must be id-data.'],
  CERTIFICATE_CHOICE: ['簽章只能附帶 X.509 憑證。', 'Only X.509 certificates may be carried.'],
  NESTED_COUNTERSIGNATURE: ['不接受對補簽簽章再副署。', 'A countersignature of a countersignature is not accepted.'],
  TOO_MANY: ['簽章所含的項目超過本規範允許的數量。', 'The signature holds more elements than the profile allows.'],
  COUNTERSIGNATURE_IN_NEW_STEP: ['新送出的關卡簽章不可帶補簽簽章（副署）。', 'A new step’s signature must not carry a countersignature.'],
} as const satisfies Record<string, readonly [string, string]>;

export type SignatureReason = keyof typeof signatureReasonCatalog;

/** A detail from the reason catalogue; `found` (an algorithm, a number) is added as it is. */
export interface CataloguedDetail {
  reason: SignatureReason;
  found?: string;
}

export function detailOf(detail: CataloguedDetail, language: 'zh-TW' | 'en' = 'zh-TW'): string {
  const [zh, en] = signatureReasonCatalog[detail.reason];
  if (language === 'en') return detail.found === undefined ? en : `${en} (found: ${detail.found})`;
  return detail.found === undefined ? zh : `${zh}（收到：${detail.found}）`;
}

/** Refuses a well-formed signature for a catalogued reason; `found` says what the signature had. */
export function refuseSignature(code: 'SIGNATURE_PROFILE' | 'WEAK_ALGORITHM', reason: SignatureReason, found?: string): never {
  throw new GongwenError(code, found === undefined ? { reason } : { reason, found });
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
  /** The detail in English (logs, the CLI); `toBody` says a catalogued one in the request's language. */
  readonly detail: string | undefined;
  readonly catalogued: CataloguedDetail | undefined;

  constructor(code: ErrorCode, detail?: string | CataloguedDetail) {
    super(messageOf(code, 'en'));
    this.name = 'GongwenError';
    this.code = code;
    this.catalogued = typeof detail === 'object' ? detail : undefined;
    this.detail = typeof detail === 'object' ? detailOf(detail, 'en') : detail;
  }

  /** The detail in `language`: a catalogued reason translated, a free one as it is. */
  detailIn(language: 'zh-TW' | 'en' = 'zh-TW'): string | undefined {
    return this.catalogued ? detailOf(this.catalogued, language) : this.detail;
  }

  toBody(language: 'zh-TW' | 'en' = 'zh-TW'): ErrorBody {
    const detail = this.detailIn(language);
    return detail === undefined
      ? { code: this.code, message: messageOf(this.code, language) }
      : { code: this.code, message: messageOf(this.code, language), detail };
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (Object.hasOwn(errorCatalog, value) || Object.hasOwn(clientErrorCatalog, value));
}
