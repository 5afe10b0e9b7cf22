# syntax=docker/dockerfile:1
# The GarageSwarm server: API, dashboard and scheduler, without the in-process worker (workers run in their
# own containers or on your machines). Build from the repository root:
#   docker build -f deploy/docker/server.Dockerfile -t garageswarm-server .
# Alone it keeps the embedded store (PGlite) in the /data volume; with DATABASE_URL and REDIS_URL it uses
# PostgreSQL and Redis (deploy/compose.yaml).
ARG NODE_IMAGE=node:22-bookworm-slim

# Every dependency, dev ones included: the dashboard is built with Vite.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/protocol/package.json packages/protocol/
COPY packages/server/package.json packages/server/
COPY packages/worker/package.json packages/worker/
COPY packages/cli/package.json packages/cli/
COPY packages/web/package.json packages/web/
RUN npm ci --no-audit --no-fund

# `npm run build` builds the dashboard (Vite) and the single-file worker the server serves to new machines
# (esbuild, from the CLI, worker and protocol sources).
FROM deps AS dashboard
COPY tsconfig.base.json ./
COPY packages/protocol packages/protocol
COPY packages/worker packages/worker
COPY packages/cli packages/cli
COPY packages/web packages/web
RUN npm run build

# What runs: production dependencies and the TypeScript sources (the CLI runs them through tsx, no build step).
FROM ${NODE_IMAGE} AS runtime-deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/protocol/package.json packages/protocol/
COPY packages/server/package.json packages/server/
COPY packages/worker/package.json packages/worker/
COPY packages/cli/package.json packages/cli/
COPY packages/web/package.json packages/web/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS server
WORKDIR /app
COPY --from=runtime-deps /app ./
# tsx compiles the sources with the repository's compiler options, as in a checkout.
COPY tsconfig.json tsconfig.base.json ./
COPY packages/protocol packages/protocol
COPY packages/server packages/server
COPY packages/worker packages/worker
COPY packages/cli packages/cli
COPY --from=dashboard /app/packages/web/dist packages/web/dist
COPY --from=dashboard /app/packages/cli/dist packages/cli/dist
COPY deploy/docker/healthcheck.mjs deploy/docker/healthcheck.mjs
# The data dir holds the embedded database, task output spill files and, when no admin password was given,
# admin-password.txt (0600): it must belong to the user the server runs as.
RUN mkdir -p /data && chown node:node /data
ENV NODE_ENV=production \
    PORT=8000 \
    GARAGESWARM_DATA_DIR=/data
USER node
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 CMD ["node", "deploy/docker/healthcheck.mjs"]
ENTRYPOINT ["node", "packages/cli/bin/garageswarm.js"]
CMD ["server"]
