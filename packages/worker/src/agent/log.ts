// What the worker logs through: the CLI prints lines; a server running a worker in-process passes its logger.
export interface WorkerLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const silentLog: WorkerLog = { info() {}, warn() {}, error() {} };

/** Timestamped lines on stderr, for the `garageswarm worker` command. */
export const consoleLog: WorkerLog = {
  info: (message) => console.error(`${new Date().toISOString()} ${message}`),
  warn: (message) => console.error(`${new Date().toISOString()} warning: ${message}`),
  error: (message) => console.error(`${new Date().toISOString()} error: ${message}`),
};
