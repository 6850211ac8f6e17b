import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type RequestListener = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/**
 * The one HTTP server of the bot process, on `PORT`: Slack's `/slack/events`, Discord's
 * `/discord/interactions`, health and metrics each register a path. Requests to any other
 * path get 404; a listener that throws gets 500, and the process keeps serving.
 */
export interface HttpServer {
  route(path: string, listener: RequestListener): void;
  /** Whether any adapter registered a path (otherwise the bot opens no port). */
  readonly hasRoutes: boolean;
  /** Starts listening (port 0: any free port); resolves with the port. */
  listen(): Promise<number>;
  /** Stops accepting connections and waits for open requests to finish. */
  close(): Promise<void>;
  readonly server: http.Server;
}

export function createHttpServer(options: { port: number; host?: string }): HttpServer {
  const routes = new Map<string, RequestListener>();
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const listener = routes.get(path);
    if (!listener) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    try {
      listener(req, res);
    } catch {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error\n');
    }
  });
  return {
    server,
    get hasRoutes() {
      return routes.size > 0;
    },
    route(path, listener) {
      if (routes.has(path)) throw new Error(`HTTP route ${path} registered twice`);
      routes.set(path, listener);
    },
    listen() {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port, options.host, () => resolve((server.address() as AddressInfo).port));
      });
    },
    close() {
      return new Promise((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeIdleConnections();
      });
    },
  };
}
