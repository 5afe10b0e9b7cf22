import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bundleToHandOffTo } from "./handoff.ts";
import { bundleFile, currentVersion, installBundle, sha256Of, verifiedBundle } from "./installed-bundles.ts";
import { SelfUpdater } from "./updater.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "gs-bundles-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const bundleB = Buffer.from('console.log("worker 0.2.0");\n');

describe("installed bundles", () => {
  it("installs a bundle whose bytes match the published checksum and points current at it", async () => {
    const path = await installBundle(dir, "0.2.0", bundleB, sha256Of(bundleB));
    expect(path).toBe(join(dir, "garageswarm-0.2.0.mjs"));
    expect(await readFile(path)).toEqual(bundleB);
    expect(await currentVersion(dir)).toBe("0.2.0");
    expect(await verifiedBundle(dir, "0.2.0")).toBe(path);
  });

  it("refuses a download whose checksum is not the published one, and leaves current as it was", async () => {
    await installBundle(dir, "0.1.0", Buffer.from("a"), sha256Of(Buffer.from("a")));
    await expect(installBundle(dir, "0.2.0", bundleB, sha256Of(Buffer.from("other")))).rejects.toThrow(
      /the server published/,
    );
    expect(await currentVersion(dir)).toBe("0.1.0");
    await expect(readFile(bundleFile(dir, "0.2.0"))).rejects.toThrow(/ENOENT/);
  });

  it("rejects a version that could name a path", () => {
    expect(() => bundleFile(dir, "../../etc/passwd")).toThrow(/not a bundle version/);
  });
});

describe("handing over at start", () => {
  it("hands over to the version current names, not to itself", async () => {
    const warnings: string[] = [];
    expect(await bundleToHandOffTo(dir, "0.1.0", (w) => warnings.push(w))).toBeNull();
    const path = await installBundle(dir, "0.2.0", bundleB, sha256Of(bundleB));
    expect(await bundleToHandOffTo(dir, "0.1.0", (w) => warnings.push(w))).toBe(path);
    expect(await bundleToHandOffTo(dir, "0.2.0", (w) => warnings.push(w))).toBeNull();
    expect(warnings).toEqual([]);
  });

  it("runs itself, and says why, when the installed bundle was changed after it was checked", async () => {
    const path = await installBundle(dir, "0.2.0", bundleB, sha256Of(bundleB));
    await writeFile(path, 'console.log("tampered");\n');
    const warnings: string[] = [];
    expect(await bundleToHandOffTo(dir, "0.1.0", (w) => warnings.push(w))).toBeNull();
    expect(warnings).toEqual([expect.stringMatching(/not running the installed 0\.2\.0: .* was recorded/)]);
  });
});

describe("the updater", () => {
  let server: Server;
  let origin: string;
  let published: { version: string; url: string; sha256: string };
  const downloads: string[] = [];

  beforeEach(async () => {
    downloads.length = 0;
    published = { version: "0.2.0", url: "/dl/garageswarm-0.2.0.mjs", sha256: sha256Of(bundleB) };
    server = createServer((request, response) => {
      if (request.url === "/api/v1/worker-bundle") {
        response.setHeader("content-type", "application/json");
        response.end(JSON.stringify(published));
      } else if (request.url === "/dl/garageswarm-0.2.0.mjs") {
        downloads.push(request.url);
        response.end(bundleB);
      } else {
        response.statusCode = 404;
        response.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  function updater(runningVersion: string, ready: string[]) {
    const log = { info: () => {}, warn: () => {} };
    return new SelfUpdater({
      server: origin,
      dir,
      runningVersion,
      intervalMs: 60_000,
      log,
      onReady: (version) => ready.push(version),
    });
  }

  it("does nothing while the server serves the running version", async () => {
    const ready: string[] = [];
    expect(await updater("0.2.0", ready).check()).toBe(false);
    expect(downloads).toEqual([]);
    expect(ready).toEqual([]);
  });

  it("downloads, checks and installs the server's version when it differs, then says it is ready", async () => {
    const ready: string[] = [];
    expect(await updater("0.1.0", ready).check()).toBe(true);
    expect(downloads).toEqual(["/dl/garageswarm-0.2.0.mjs"]);
    expect(ready).toEqual(["0.2.0"]);
    expect(await currentVersion(dir)).toBe("0.2.0");
    expect(await verifiedBundle(dir, "0.2.0")).toBe(bundleFile(dir, "0.2.0"));
  });

  it("refuses a bundle that does not match the checksum the server published", async () => {
    published.sha256 = sha256Of(Buffer.from("something else"));
    const ready: string[] = [];
    await expect(updater("0.1.0", ready).check()).rejects.toThrow(/the server published/);
    expect(ready).toEqual([]);
    expect(await currentVersion(dir)).toBeNull();
  });
});
