import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { build, defineConfig, type Plugin } from "vite";

// `npm run dev -w @garageswarm/web` proxies the API to a server started with `npm start`.
const server = process.env.GARAGESWARM_DEV_SERVER ?? "http://localhost:8000";
const outDir = fileURLToPath(new URL("dist/", import.meta.url));

/**
 * After the dashboard is built, builds its service worker on its own as dist/sw.js: one classic script (every
 * browser runs those; module service workers are not everywhere), unhashed at the root so its scope is the
 * whole dashboard. SHELL_VERSION is the built index.html's hash: a new build is a new worker.
 */
function serviceWorker(): Plugin {
  return {
    name: "garageswarm-service-worker",
    apply: "build",
    async closeBundle() {
      const shell = readFileSync(new URL("index.html", `file://${outDir}`));
      await build({
        configFile: false,
        publicDir: false,
        logLevel: "warn",
        define: { SHELL_VERSION: JSON.stringify(createHash("sha256").update(shell).digest("hex").slice(0, 16)) },
        build: {
          outDir,
          emptyOutDir: false,
          sourcemap: false,
          lib: {
            entry: fileURLToPath(new URL("src/service-worker/sw.ts", import.meta.url)),
            formats: ["iife"],
            name: "garageswarmServiceWorker",
            fileName: () => "sw.js",
          },
        },
      });
    },
  };
}

export default defineConfig({
  plugins: [react(), serviceWorker()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 800 },
  server: {
    proxy: {
      "/api": server,
      "/health": server,
      "/ws": { target: server.replace(/^http/, "ws"), ws: true },
    },
  },
});
