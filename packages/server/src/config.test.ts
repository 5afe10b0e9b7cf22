import { describe, expect, it } from "vitest";
import { loadServerConfig } from "./config.ts";
import { InvalidInputError } from "./errors.ts";

describe("loadServerConfig", () => {
  it("has defaults a person can run with", () => {
    const config = loadServerConfig({}, {});
    expect(config).toMatchObject({ port: 8000, host: "0.0.0.0", heartbeatIntervalSeconds: 10, localWorker: true });
    expect(config.dataDir).toMatch(/\.garageswarm$/);
    expect(config.databaseUrl).toBeUndefined();
  });

  it("reads env, and flags win over env", () => {
    const env = { PORT: "9000", GARAGESWARM_DATA_DIR: "/srv/gs", GARAGESWARM_HEARTBEAT_INTERVAL: "5" };
    expect(loadServerConfig({}, env)).toMatchObject({ port: 9000, dataDir: "/srv/gs", heartbeatIntervalSeconds: 5 });
    expect(loadServerConfig({ port: "9100" }, env).port).toBe(9100);
  });

  it("reads the push contact and the extra push service origins", () => {
    const env = {
      GARAGESWARM_PUSH_CONTACT: "mailto:ops@example.com",
      GARAGESWARM_PUSH_SERVICE_ORIGINS: "https://push.example.com, http://127.0.0.1:8080",
    };
    expect(loadServerConfig({}, env)).toMatchObject({
      pushContact: "mailto:ops@example.com",
      pushServiceOrigins: ["https://push.example.com", "http://127.0.0.1:8080"],
    });
  });

  it("turns GARAGESWARM_LOCAL_WORKER=false into false", () => {
    expect(loadServerConfig({}, { GARAGESWARM_LOCAL_WORKER: "false" }).localWorker).toBe(false);
  });

  it("reads the phone worker's extra API origins as a list", () => {
    const env = { GARAGESWARM_PHONE_WORKER_ORIGINS: "http://192.168.1.20:1234, https://openrouter.ai" };
    expect(loadServerConfig({}, env).phoneWorkerOrigins).toEqual(["http://192.168.1.20:1234", "https://openrouter.ai"]);
    expect(loadServerConfig({}, {}).phoneWorkerOrigins).toEqual([]);
  });

  it.each([
    [{ port: "eighty" }, {}, /--port \/ PORT/],
    [{}, { PORT: "70000" }, /--port \/ PORT/],
    [{}, { DATABASE_URL: "mysql://x" }, /DATABASE_URL: must be a postgres/],
    [{}, { REDIS_URL: "http://x" }, /REDIS_URL/],
    [{}, { GARAGESWARM_ADMIN_PASSWORD: "short" }, /GARAGESWARM_ADMIN_PASSWORD: must be at least 8/],
    [{}, { LOG_LEVEL: "loud" }, /LOG_LEVEL/],
    [
      {},
      { GARAGESWARM_PHONE_WORKER_ORIGINS: "http://lan-box:1234/v1" },
      /GARAGESWARM_PHONE_WORKER_ORIGINS: must be origins/,
    ],
    [{}, { GARAGESWARM_PHONE_WORKER_ORIGINS: "https://a.example; script-src *" }, /GARAGESWARM_PHONE_WORKER_ORIGINS/],
    [{}, { GARAGESWARM_PUSH_CONTACT: "ops@example.com" }, /GARAGESWARM_PUSH_CONTACT: must be a mailto/],
    [{}, { GARAGESWARM_PUSH_SERVICE_ORIGINS: "https://push.example/path" }, /GARAGESWARM_PUSH_SERVICE_ORIGINS/],
  ])("names the bad setting: %o %o", (flags, env, message) => {
    expect(() => loadServerConfig(flags, env)).toThrow(InvalidInputError);
    expect(() => loadServerConfig(flags, env)).toThrow(message);
  });
});
