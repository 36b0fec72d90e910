/**
 * The words of the flow table. 異動別 (change type) is what a holder did with the document at
 * their step; 公文狀態 is the state of a step row as the flow table shows it.
 */
export const changeTypes = ['送請簽核', '陳核', '會辦', '退回', '決行', '歸檔', '發文'] as const;
export type ChangeType = (typeof changeTypes)[number];

/** Change types that close the flow: no next holder. */
export const closingChangeTypes: readonly ChangeType[] = ['歸檔', '發文'];

export function isClosing(action: ChangeType): boolean {
  return closingChangeTypes.includes(action);
}

/** 公文狀態 of the step row a document arrives at, by the change type that brought it there. */
export const arrivalStatus: Record<Exclude<ChangeType, '歸檔' | '發文'>, StepStatus> = {
  送請簽核: '待核示',
  陳核: '待核示',
  會辦: '待會辦',
  退回: '退回待處理',
  決行: '已決行待發',
};

export const stepStatuses = ['線上簽核', '待核示', '待會辦', '退回待處理', '已決行待發', '已歸檔', '已發文'] as const;
export type StepStatus = (typeof stepStatuses)[number];

/** The document as a whole. */
export const documentStatuses = ['簽核中', '已決行', '已歸檔', '已發文'] as const;
export type DocumentStatus = (typeof documentStatuses)[number];

/** The change types that set the document's status; the others leave it as it was. */
const statusSetBy: Partial<Record<ChangeType, DocumentStatus>> = { 決行: '已決行', 歸檔: '已歸檔', 發文: '已發文' };

/** The document's status after a step with this change type. */
export function statusAfter(action: ChangeType, current: DocumentStatus): DocumentStatus {
  return statusSetBy[action] ?? current;
}
