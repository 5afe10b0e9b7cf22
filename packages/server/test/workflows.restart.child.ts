// A server in its own process for the crash tests: configured by env (GARAGESWARM_DATA_DIR or
// DATABASE_URL, REDIS_URL…), it prints one JSON line `{"url": …}` once it listens. The test kills it with SIGKILL.
import { loadServerConfig, startServer } from "@garageswarm/server";

const server = await startServer(loadServerConfig({ host: "127.0.0.1", port: 0, localWorker: false }));
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
