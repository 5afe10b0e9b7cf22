// Serves the control panel on 127.0.0.1 (never another interface): on the port asked for, or by default on
// the first free one from 8765. The address goes into the state dir for `garageswarm worker open`.
import { createServer, type Server } from "node:http";
import { getRequestListener } from "@hono/node-server";
import type { WorkerLog } from "../agent/log.ts";
import { panelApp } from "./app.ts";
import { loadPanelSecret, removePanelAddress, signInUrl, writePanelAddress } from "./secret.ts";
import type { WorkerSupervisor } from "./supervisor.ts";

export const DEFAULT_PANEL_PORT = 8765;
/** Ports tried after the default one when it is taken (another worker's panel, say). */
const PORTS_TRIED = 20;

export interface StartPanelOptions {
  supervisor: WorkerSupervisor;
  /** A port to use and nothing else (0: any free one); default the first free one from 8765. */
  port?: number;
  installCommand: string;
  log: WorkerLog;
}

export interface RunningPanel {
  /** Where the panel listens, e.g. http://127.0.0.1:8765. */
  url: string;
  /** The URL with the secret: opening it signs the browser in. */
  signInUrl: string;
  close(): Promise<void>;
}

export async function startPanel(options: StartPanelOptions): Promise<RunningPanel> {
  const { supervisor } = options;
  const secret = await loadPanelSecret(supervisor.stateDir);
  let handle: ReturnType<typeof getRequestListener> | null = null;
  const server = createServer((request, response) => {
    if (handle) return void handle(request, response);
    response.writeHead(503).end();
  });
  const candidates =
    options.port === undefined
      ? Array.from({ length: PORTS_TRIED }, (_, index) => DEFAULT_PANEL_PORT + index)
      : [options.port];
  const port = await listenOnFirstFree(server, candidates);
  const app = panelApp({ supervisor, secret, port, installCommand: options.installCommand });
  handle = getRequestListener(app.fetch);
  const url = `http://127.0.0.1:${port}`;
  await writePanelAddress(supervisor.stateDir, { url, pid: process.pid });
  return {
    url,
    signInUrl: signInUrl(url, secret),
    async close() {
      await removePanelAddress(supervisor.stateDir);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function listenOnFirstFree(server: Server, ports: number[]): Promise<number> {
  for (const [index, port] of ports.entries()) {
    try {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, "127.0.0.1", () => {
          server.off("error", reject);
          resolve();
        });
      });
      const address = server.address();
      if (address === null || typeof address === "string") throw new Error("the panel has no port");
      return address.port;
    } catch (error) {
      const taken = (error as NodeJS.ErrnoException).code === "EADDRINUSE";
      if (!taken || index === ports.length - 1) {
        const what = ports.length > 1 ? `ports ${ports[0]}–${ports.at(-1)}` : `port ${port}`;
        throw new Error(`the control panel cannot listen on 127.0.0.1 (${what}): ${(error as Error).message}`);
      }
    }
  }
  throw new Error("no port to listen on");
}
