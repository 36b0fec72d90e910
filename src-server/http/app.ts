import fastifyCookie from '@fastify/cookie';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { ServiceContext } from '../context.js';
import { capConnectionsPerAddress } from './connection-limits.js';
import { proxyMatcher, type TlsFiles } from './tls.js';
import { registerBytesParser, registerJsonParser } from './json-body.js';
import { handleClientError, handleError, handleFrameworkError, handleNotFound } from './errors.js';
import { openApiDocument } from './openapi.js';
import { registerAdminConsole } from './admin-console.js';
import { registerMetrics } from './metrics.js';
import { registerRoutes, type AnyRoute } from './route.js';
import { accountRoutes } from './routes/accounts.js';
import { cardRoutes } from './routes/cards.js';
import { documentRoutes } from './routes/documents.js';
import { registerHealthRoutes } from './routes/health.js';
import { resignRoutes } from './routes/resign.js';
import { policyRoutes } from './routes/policy.js';
import { organisationRoutes } from './routes/organisation.js';
import { tempCertRoutes } from './routes/temp-cert.js';
import { adminPeopleRoutes } from './routes/admin-people.js';
import { adminRecordsRoutes } from './routes/admin-records.js';
import { adminCardLoginRoutes } from './routes/admin-card-login.js';

/**
 * The largest body any route takes (a new document with its base64 attachments); each route sets
 * its own, smaller, limit (route.ts), and reads nothing before the session is checked.
 */
export const BODY_LIMIT = 16 * 1024 * 1024;

/**
 * Slow clients: Node's defaults let a client take minutes to send its headers or its body. A
 * 16 MiB document on a slow office line takes well under a minute.
 */
export const TIMEOUTS = { headersMs: 15_000, requestMs: 60_000, keepAliveMs: 5_000, idleSocketMs: 60_000 } as const;
/** Open connections from one address (see connection-limits.ts). */
export const CONNECTIONS_PER_ADDRESS = 256;
export const SERVICE_VERSION = '0.1.0';

/** The HTTP face of the service. Listening is the caller's business (the CLI, or tests' inject). */
export interface AppOptions {
  logger?: FastifyServerOptions['logger'];
  /** Serve HTTPS with these (GONGWEN_TLS_CERT / GONGWEN_TLS_KEY); plain HTTP otherwise. */
  tls?: TlsFiles;
  /** Reverse proxies whose X-Forwarded-For is believed (GONGWEN_TRUST_PROXY). */
  trustedProxies?: string[];
  /** The admin console's build (out/admin by default; tests point elsewhere). */
  adminDir?: string;
}

export async function buildApp(ctx: ServiceContext, options: AppOptions = {}): Promise<FastifyInstance> {
  // The HTTPS server's type differs from the HTTP one only in the socket; routes see the same instance.
  const app = Fastify({
    ...(options.tls ? { https: { cert: options.tls.cert, key: options.tls.key, minVersion: 'TLSv1.2' as const } } : {}),
    ...(options.trustedProxies ? { trustProxy: options.trustedProxies } : {}),
    logger: options.logger ?? false,
    bodyLimit: BODY_LIMIT,
    requestTimeout: TIMEOUTS.requestMs,
    keepAliveTimeout: TIMEOUTS.keepAliveMs,
    connectionTimeout: TIMEOUTS.idleSocketMs,
    // Every answer follows the contract, however early the request is refused.
    frameworkErrors: handleFrameworkError,
    clientErrorHandler: handleClientError,
  }) as unknown as FastifyInstance;
  app.server.headersTimeout = TIMEOUTS.headersMs;
  capConnectionsPerAddress(app.server, CONNECTIONS_PER_ADDRESS, proxyMatcher(options.trustedProxies));
  // The admin console's session is a cookie (issue 18); nothing else reads cookies.
  await app.register(fastifyCookie);
  registerJsonParser(app);
  registerBytesParser(app);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);
  // Operations: probes and Prometheus metrics (the metrics hooks count every route below).
  registerMetrics(app, ctx);
  registerHealthRoutes(app, ctx);

  const routes = serviceRoutes(ctx);
  registerRoutes(app, ctx, routes);
  const openapi = openApiDocument(routes, SERVICE_VERSION);
  app.get('/api/openapi.json', async () => openapi);
  await registerAdminConsole(app, options.adminDir);
  app.get('/api/health', async () => ({ ok: true, version: SERVICE_VERSION, database: ctx.storage.dialect }));
  app.addHook('onClose', async () => ctx.storage.close());
  await app.ready();
  return app;
}

/** Every route of the service's API, as the OpenAPI document describes them. */
export function serviceRoutes(ctx: ServiceContext): AnyRoute[] {
  return [
    ...accountRoutes(ctx),
    ...documentRoutes(ctx),
    ...tempCertRoutes(ctx),
    ...resignRoutes(ctx),
    ...policyRoutes(ctx),
    ...cardRoutes(ctx),
    ...organisationRoutes(ctx),
    ...adminPeopleRoutes(ctx),
    ...adminRecordsRoutes(ctx),
    ...adminCardLoginRoutes(ctx),
  ];
}
