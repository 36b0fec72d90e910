/**
 * The words of the flow table. 異動別 (action) is what a holder did with the document at their
 * step; 公文狀態 is the state of a step row as the flow table shows it. Making a document (創稿)
 * is not an action: its first row shows 線上簽核 until its drafter sends it.
 */
export const actions = ['送請簽核', '陳核', '會辦', '退回', '決行', '歸檔', '發文'] as const;
export type Action = (typeof actions)[number];

/** Actions that close the flow: no next holder. */
export const closingActions: readonly Action[] = ['歸檔', '發文'];

export function isClosing(action: Action): boolean {
  return closingActions.includes(action);
}

/** 公文狀態 of the step row a document arrives at, by the action that brought it there. */
export const arrivalStatus: Record<Exclude<Action, '歸檔' | '發文'>, StepStatus> = {
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

/** The actions that set the document's status; the others leave it as it was. */
const statusSetBy: Partial<Record<Action, DocumentStatus>> = { 決行: '已決行', 歸檔: '已歸檔', 發文: '已發文' };

/** The document's status after a step with this action. */
export function statusAfter(action: Action, current: DocumentStatus): DocumentStatus {
  return statusSetBy[action] ?? current;
}
