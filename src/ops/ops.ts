import type { Clock } from '../clock.js';
import { createHttpServer, type HttpServer, type RequestListener } from '../adapters/http-server.js';
import { pingDatabase, type StoreDatabase } from '../db/store-database.js';
import { createOutboxStore } from '../db/stores/outbox-store.js';
import { checkHealth, type HealthSources } from './health.js';
import { createBotMetrics, type BotMetrics } from './metrics.js';

/** What the running bot tells the health check. */
export type LiveSources = Pick<HealthSources, 'adapters' | 'lastPlannerRun'>;

export interface Ops {
  readonly metrics: BotMetrics;
  /**
   * Serves GET /healthz and GET /metrics: on the bot's shared HTTP server (PORT), or on a server
   * of their own when METRICS_PORT is set. Resolves with the port of that own server, if any.
   */
  serve(http: HttpServer, live: LiveSources): Promise<number | null>;
  close(): Promise<void>;
}

/** Health and metrics of the bot on `db` (a server: a chat platform runs, or METRICS_PORT is set). */
export function createOps(options: { db: StoreDatabase; clock: Clock; metricsPort?: number }): Ops {
  const { db, clock } = options;
  const startedAt = clock.now();
  const outbox = createOutboxStore(db);
  const metrics = createBotMetrics({ clock, outboxDepth: (now) => outbox.depth(now) });
  let own: HttpServer | null = null;
  return {
    metrics,
    async serve(http, live) {
      const sources: HealthSources = { ...live, pingDatabase: () => pingDatabase(db), clock, startedAt };
      const target = options.metricsPort === undefined ? http : (own = createHttpServer({ port: options.metricsPort }));
      target.route('/healthz', answer(async () => {
        const health = await checkHealth(sources);
        return { status: health.ok ? 200 : 503, type: 'application/json', body: `${JSON.stringify(health)}\n` };
      }));
      target.route('/metrics', answer(async () => ({ status: 200, type: metrics.registry.contentType, body: await metrics.registry.metrics() })));
      return own ? own.listen() : null;
    },
    async close() {
      await own?.close();
    },
  };
}

function answer(respond: () => Promise<{ status: number; type: string; body: string }>): RequestListener {
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    respond().then(
      ({ status, type, body }) => res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(req.method === 'HEAD' ? undefined : body),
      () => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('internal error\n');
      },
    );
  };
}
