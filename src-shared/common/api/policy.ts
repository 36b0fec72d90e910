import { z } from 'zod';

/**
 * The agency's own rules around 補簽 and the temp cert: one place in the service's configuration
 * (GONGWEN_POLICY, a JSON file), checked at start and served to clients so the app can explain
 * them. Every field has the default that keeps the seed's walkthrough as it is.
 */
export const ResignPolicy = z
  .object({
    due: z
      .enum(['archive', 'dispatch'])
      .default('archive')
      .describe('when 補簽 is due: `archive` — before 歸檔; `dispatch` — before 發文 (a 存查 case, one archived without dispatch, before 歸檔)'),
    onBehalfBy: z
      .enum(['deputies', 'unit-head', 'both'])
      .default('both')
      .describe(
        'who may re-sign on behalf (代為補簽) of a signer who cannot: their deputies (職務代理人) within the dates, their unit head (權責主管), or both',
      ),
    paperAccepted: z.boolean().default(false).describe('whether a unit head may record a step as re-signed on paper (紙本補簽)'),
    overdueAfterDays: z.number().int().min(1).max(365).default(7).describe('after how many days a pending 補簽 counts as overdue'),
  })
  .strict();
export type ResignPolicy = z.infer<typeof ResignPolicy>;

export const TempCertPolicy = z
  .object({
    approval: z
      .enum(['none', 'unit-head'])
      .default('none')
      .describe('`none` — an application may be enabled at once (the seed); `unit-head` — the applicant’s unit head approves it first'),
    periodDays: z
      .number()
      .int()
      .min(1)
      .max(3650)
      .nullable()
      .default(null)
      .describe('null — no time limit (the seed’s 無限期; certificates are renewed before they expire); N — at most N days from approval'),
  })
  .strict();
export type TempCertPolicy = z.infer<typeof TempCertPolicy>;

export const AgencyPolicy = z
  .object({
    resign: ResignPolicy.default(ResignPolicy.parse({})),
    tempCert: TempCertPolicy.default(TempCertPolicy.parse({})),
  })
  .strict()
  .describe('The agency’s policy for 補簽 and temp certs (GONGWEN_POLICY)');
export type AgencyPolicy = z.infer<typeof AgencyPolicy>;

export const DEFAULT_AGENCY_POLICY: AgencyPolicy = AgencyPolicy.parse({});
