export { envNames, loadServerConfig, type ServerConfig } from "./config.ts";
export { type Db, migratePostgres, openStore, type Store, selectRows } from "./db/store.ts";
export { ensureLocalWorkerKey, LOCAL_WORKER_KEY_NAME } from "./keys/local-worker-key.ts";
export { type RunningServer, type StartOptions, startServer } from "./server.ts";
