// A bundle-installed worker keeps to the server's version: it asks the server which worker bundle it serves
// (GET /api/v1/worker-bundle) now and then, and when that is another version it downloads it, installs it
// only if its bytes match the SHA-256 the server published (installed-bundles.ts), and says it is ready.
// The caller drains the worker and starts the new bundle (commands/worker.ts); a failed check or download is
// logged and tried again at the next check, and the worker keeps running meanwhile.
import { WorkerBundle } from "@garageswarm/protocol";
import { installBundle } from "./installed-bundles.ts";

/** A worker bundle is a few MB; anything far bigger is not one. */
const MAX_BUNDLE_BYTES = 64 * 1024 * 1024;
const REQUEST_TIMEOUT_MS = 60_000;

export interface SelfUpdaterOptions {
  server: string;
  /** Where the running bundle is installed (its directory). */
  dir: string;
  runningVersion: string;
  intervalMs: number;
  log: { info(message: string): void; warn(message: string): void };
  /** Called once, with the installed bundle's version and path; checks stop. */
  onReady(version: string, path: string): void;
}

export class SelfUpdater {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: SelfUpdaterOptions) {}

  start(): void {
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** One check: true when a new bundle was installed (and onReady called). */
  async check(): Promise<boolean> {
    const { server, dir, runningVersion, log, onReady } = this.options;
    const info = WorkerBundle.parse(await getJson(new URL("/api/v1/worker-bundle", server)));
    if (info.version === runningVersion) return false;
    log.info(`the server has worker ${info.version} (this is ${runningVersion}): downloading it`);
    const bytes = await download(new URL(info.url, server));
    const path = await installBundle(dir, info.version, bytes, info.sha256);
    log.info(`installed ${path} (sha256 ${info.sha256})`);
    this.stop();
    onReady(info.version, path);
    return true;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.check()
        .catch((error: Error) => this.options.log.warn(`worker update: ${error.message}; trying again later`))
        .finally(() => this.schedule(this.options.intervalMs));
    }, delayMs);
    // A pending check never keeps the process alive on its own.
    this.timer.unref();
  }
}

async function getJson(url: URL): Promise<unknown> {
  const response = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS), redirect: "error" });
  if (!response.ok) throw new Error(`${url.pathname} answered ${response.status}`);
  return response.json();
}

async function download(url: URL): Promise<Uint8Array> {
  const response = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS), redirect: "error" });
  if (!response.ok || !response.body) throw new Error(`${url.pathname} answered ${response.status}`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > MAX_BUNDLE_BYTES) throw new Error(`${url.pathname} is larger than ${MAX_BUNDLE_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
