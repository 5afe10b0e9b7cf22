import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// `npm run dev -w @garageswarm/web` proxies the API to a server started with `npm start`.
const server = process.env.GARAGESWARM_DEV_SERVER ?? "http://localhost:8000";

export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 800 },
  server: {
    proxy: {
      "/api": server,
      "/health": server,
      "/ws": { target: server.replace(/^http/, "ws"), ws: true },
    },
  },
});
