import { describe, expect, it } from 'vitest';
import { actions, documentStatuses, statusAfter } from '../../src-shared/common/flow.js';

describe("the document's status after a step", () => {
  it('決行, 歸檔 and 發文 set it; the other change types leave it as it was', () => {
    for (const current of documentStatuses) {
      expect(statusAfter('決行', current)).toBe('已決行');
      expect(statusAfter('歸檔', current)).toBe('已歸檔');
      expect(statusAfter('發文', current)).toBe('已發文');
    }
    const leaving = actions.filter((action) => !['決行', '歸檔', '發文'].includes(action));
    expect(leaving).toEqual(['送請簽核', '陳核', '會辦', '退回']);
    for (const action of leaving) for (const current of documentStatuses) expect(statusAfter(action, current)).toBe(current);
  });
});
