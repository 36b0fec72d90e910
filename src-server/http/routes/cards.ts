import { LoginResponse } from '../../../src-shared/common/api/accounts.js';
import {
  CardChallengeResponse,
  CardList,
  CardLoginRequest,
  CardRecord,
  CardSha256,
  RegisterCardRequest,
  RegisterCardResponse,
} from '../../../src-shared/common/api/cards.js';
import { issueCardChallenge } from '../../accounts/card-challenges.js';
import { cardLogin } from '../../accounts/card-login.js';
import { serviceHostOf } from '../../accounts/card-statement.js';
import { listCards, registerReplacementCard, retireCard } from '../../signatures/card-replacement.js';
import type { ServiceContext } from '../../context.js';
import { SIGNATURE_REFUSALS } from '../../signatures/refusals.js';
import { defineRoute, parseWith } from '../route.js';

/** 憑證卡登入 and 註冊新憑證卡 (docs/architecture.md, "Card login and card replacement"). */
export const cardRoutes = (ctx: ServiceContext) => [
  defineRoute({
    method: 'POST',
    url: '/api/session/card-challenge',
    summary: '憑證卡登入, step 1: a one-time challenge (2 minutes) for the card to sign',
    tags: ['accounts'],
    auth: false,
    response: CardChallengeResponse,
    handler: () => issueCardChallenge(ctx, 'login', null),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/session/card',
    summary: '憑證卡登入, step 2: the card statement signed by a card registered to the account; returns a session token',
    tags: ['accounts'],
    auth: false,
    errors: [
      'CARD_LOGIN_RATE_LIMITED',
      'CARD_OF_ANOTHER_USER',
      'USER_SEPARATED',
      'CARD_CHALLENGE_UNKNOWN',
      'CARD_CHALLENGE_EXPIRED',
      'CARD_CHALLENGE_USED',
      ...SIGNATURE_REFUSALS,
    ],
    body: CardLoginRequest,
    response: LoginResponse,
    handler: ({ body, request }) => cardLogin(ctx, body, { service: serviceHostOf(request), address: request.ip }),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/cards',
    summary: 'The cards registered to me, with their state (active, retired, expired)',
    tags: ['cards'],
    auth: true,
    response: CardList,
    handler: async ({ actor }) => ({ cards: await listCards(ctx, actor.id) }),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/cards/challenge',
    summary: '註冊新憑證卡, step 1: a one-time challenge for this session (2 minutes)',
    tags: ['cards'],
    auth: true,
    response: CardChallengeResponse,
    handler: ({ actor }) => issueCardChallenge(ctx, 'register-card', actor.id),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/cards',
    summary: '註冊新憑證卡, step 2: the new card’s statement; it must name the same person as a card registered to me',
    tags: ['cards'],
    auth: true,
    errors: [
      'CARD_NONE_REGISTERED',
      'CARD_NOT_SAME_PERSON',
      'CARD_OF_ANOTHER_USER',
      'CARD_CHALLENGE_UNKNOWN',
      'CARD_CHALLENGE_EXPIRED',
      'CARD_CHALLENGE_USED',
      ...SIGNATURE_REFUSALS,
    ],
    body: RegisterCardRequest,
    response: RegisterCardResponse,
    handler: ({ actor, body, request }) => registerReplacementCard(ctx, actor, body, { service: serviceHostOf(request), address: request.ip }),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/cards/:sha256/retire',
    summary: '停用舊憑證卡: the card signs and logs in no more; what it signed still verifies',
    tags: ['cards'],
    auth: true,
    errors: ['CARD_UNKNOWN'],
    response: CardRecord,
    handler: ({ actor, params }) => retireCard(ctx, actor.id, actor.account, parseWith(CardSha256, params.sha256), actor.account),
  }),
];
