import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import { afterEach, describe, expect, it } from "vitest";
import { registerProblemHandlers } from "../http/problem.ts";
import { downloadRoutes } from "./download-routes.ts";

const bundleText = "console.log('the worker');\n";
const sha256 = createHash("sha256").update(bundleText).digest("hex");

describe("worker bundle and installer downloads", () => {
  let app: FastifyInstance;
  let dir: string;

  async function serve(options: { built: boolean; publicUrl?: string }) {
    dir = await mkdtemp(join(tmpdir(), "gs-dl-"));
    if (options.built) {
      await writeFile(join(dir, "garageswarm-1.2.3.mjs"), bundleText);
      await writeFile(
        join(dir, "worker-bundle.json"),
        JSON.stringify({ version: "1.2.3", file: "garageswarm-1.2.3.mjs", sha256 }),
      );
    }
    app = Fastify();
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    registerProblemHandlers(app);
    await app.register(downloadRoutes({ publicUrl: options.publicUrl }, dir));
    await app.ready();
  }

  afterEach(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("serves the bundle at its versioned URL with its checksum, and says where it is", async () => {
    await serve({ built: true });
    const where = await app.inject({ url: "/api/v1/worker-bundle" });
    expect(where.json()).toEqual({ version: "1.2.3", url: "/dl/garageswarm-1.2.3.mjs", sha256 });
    const bundle = await app.inject({ url: "/dl/garageswarm-1.2.3.mjs" });
    expect(bundle.statusCode).toBe(200);
    expect(bundle.body).toBe(bundleText);
    expect(bundle.headers["content-type"]).toContain("javascript");
    expect(bundle.headers.etag).toBe(`"${sha256}"`);
    const checksum = await app.inject({ url: "/dl/garageswarm-1.2.3.mjs.sha256" });
    expect(checksum.body).toBe(`${sha256}  garageswarm-1.2.3.mjs\n`);
    for (const url of ["/dl/garageswarm-9.9.9.mjs", "/dl/worker-bundle.json", "/dl/..%2Fworker-bundle.json"]) {
      const other = await app.inject({ url });
      expect(other.statusCode, url).toBe(404);
      expect(other.headers["content-type"]).toContain("application/problem+json");
    }
  });

  it("answers a clear 503 problem for everything when the bundle is not built", async () => {
    await serve({ built: false });
    for (const url of ["/api/v1/worker-bundle", "/dl/garageswarm-1.2.3.mjs", "/install.sh", "/install.ps1"]) {
      const answer = await app.inject({ url });
      expect(answer.statusCode, url).toBe(503);
      expect(answer.headers["content-type"]).toContain("application/problem+json");
      expect(answer.json().detail).toContain("npm run build");
    }
  });

  it("fills install.sh with this server, the bundle's version and checksum, and a code from the link", async () => {
    await serve({ built: true });
    const script = await app.inject({ url: "/install.sh?code=k7qx2zpm", headers: { host: "swarm.lan:8000" } });
    expect(script.statusCode).toBe(200);
    expect(script.headers["cache-control"]).toBe("no-store");
    expect(script.body).toContain("GS_SERVER='http://swarm.lan:8000'");
    expect(script.body).toContain("GS_VERSION='1.2.3'");
    expect(script.body).toContain(`GS_SHA256='${sha256}'`);
    expect(script.body).toContain("GS_CODE='K7QX-2ZPM'");
    expect(script.body).not.toContain("@@");
    // Valid POSIX sh, for every shell there is here.
    for (const shell of ["sh", "dash", "bash"]) {
      const checked = spawnSync(shell, ["-n"], { input: script.body, encoding: "utf8" });
      if (checked.error && process.env.CI !== "true") continue;
      expect(checked.status, `${shell} -n: ${checked.stderr}`).toBe(0);
    }
    const withoutCode = await app.inject({ url: "/install.sh", headers: { host: "swarm.lan:8000" } });
    expect(withoutCode.body).toContain("GS_CODE=''");
  });

  it("fills install.ps1 the same way: same URLs, checksum checked with Get-FileHash", async () => {
    await serve({ built: true });
    const script = await app.inject({ url: "/install.ps1", headers: { host: "10.0.0.5:8000" } });
    expect(script.statusCode).toBe(200);
    expect(script.body).toContain("$GsServer = 'http://10.0.0.5:8000'");
    expect(script.body).toContain("$GsVersion = '1.2.3'");
    expect(script.body).toContain(`$GsSha256 = '${sha256}'`);
    expect(script.body).toContain('"$GsServer/dl/garageswarm-$GsVersion.mjs"');
    expect(script.body).toContain("Get-FileHash -Algorithm SHA256");
    expect(script.body).toMatch(/if \(\$Got -ne \$GsSha256\) \{\s+Remove-Item/);
    expect(script.body).toContain("worker', 'enrol', '--server', $GsServer, '--code', $Code");
    // It runs as a script block in the caller's session: `exit` would close that session.
    expect(script.body).not.toMatch(/^\s*exit\b/m);
    expect(script.body).not.toContain("@@");
  });

  it("a configured public URL wins over Host; a Host that is not a plain host is refused", async () => {
    await serve({ built: true, publicUrl: "https://swarm.example.com" });
    const script = await app.inject({ url: "/install.sh", headers: { host: "evil.test" } });
    expect(script.body).toContain("GS_SERVER='https://swarm.example.com'");
    await app.close();
    await rm(dir, { recursive: true, force: true });

    await serve({ built: true });
    for (const host of ["evil.test';rm -rf ~;'", "a b", "x/y"]) {
      const answer = await app.inject({ url: "/install.sh", headers: { host } });
      expect(answer.statusCode, host).toBe(400);
      expect(answer.json().errors[0].field).toBe("header.host");
    }
    const badCode = await app.inject({ url: "/install.sh?code=';reboot;'" });
    expect(badCode.statusCode).toBe(400);
    expect(badCode.json().errors[0].field).toBe("query.code");
  });
});
