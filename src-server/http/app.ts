import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { ServiceContext } from '../context.js';
import { handleClientError, handleError, handleFrameworkError, handleNotFound } from './errors.js';
import { openApiDocument } from './openapi.js';
import { registerRoutes, type AnyRoute } from './route.js';
import { accountRoutes } from './routes/accounts.js';
import { documentRoutes } from './routes/documents.js';
import { resignRoutes } from './routes/resign.js';
import { tempCertRoutes } from './routes/temp-cert.js';

/** Bodies carry base64 attachments (5 MB each); anything larger is refused before parsing. */
export const BODY_LIMIT = 16 * 1024 * 1024;
export const SERVICE_VERSION = '0.1.0';

/** The HTTP face of the service. Listening is the caller's business (the CLI, or tests' inject). */
export async function buildApp(ctx: ServiceContext, options: { logger?: FastifyServerOptions['logger'] } = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: BODY_LIMIT,
    // Every answer follows the contract, however early the request is refused.
    frameworkErrors: handleFrameworkError,
    clientErrorHandler: handleClientError,
  });
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);

  const routes: AnyRoute[] = [...accountRoutes(ctx), ...documentRoutes(ctx), ...tempCertRoutes(ctx), ...resignRoutes(ctx)];
  registerRoutes(app, ctx, routes);
  const openapi = openApiDocument(routes, SERVICE_VERSION);
  app.get('/api/openapi.json', async () => openapi);
  app.get('/api/health', async () => ({ ok: true, version: SERVICE_VERSION, database: ctx.storage.dialect }));
  app.addHook('onClose', async () => ctx.storage.close());
  await app.ready();
  return app;
}
