# syntax=docker/dockerfile:1
# A GarageSwarm worker. Build from the repository root:
#   docker build -f deploy/docker/worker.Dockerfile -t garageswarm-worker .
# It runs the API tools (Anthropic, Gemini, OpenAI-compatible, Ollama) out of the box. The agent CLIs are
# left out unless a build arg names a version (or "latest") to install:
#   --build-arg CLAUDE_CODE_VERSION=2.1.332 --build-arg GEMINI_CLI_VERSION=0.61.0 --build-arg CODEX_VERSION=0.171.0
ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS runtime-deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/protocol/package.json packages/protocol/
COPY packages/server/package.json packages/server/
COPY packages/worker/package.json packages/worker/
COPY packages/cli/package.json packages/cli/
COPY packages/web/package.json packages/web/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS worker
ARG CLAUDE_CODE_VERSION=""
ARG GEMINI_CLI_VERSION=""
ARG CODEX_VERSION=""
# git and CA certificates for the agents (they clone, commit and call HTTPS APIs); the CLIs only when asked for.
RUN apt-get update \
    && apt-get install -y --no-install-recommends git ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && clis="" \
    && if [ -n "$CLAUDE_CODE_VERSION" ]; then clis="$clis @anthropic-ai/claude-code@$CLAUDE_CODE_VERSION"; fi \
    && if [ -n "$GEMINI_CLI_VERSION" ]; then clis="$clis @google/gemini-cli@$GEMINI_CLI_VERSION"; fi \
    && if [ -n "$CODEX_VERSION" ]; then clis="$clis @openai/codex@$CODEX_VERSION"; fi \
    && if [ -n "$clis" ]; then npm install -g --no-audit --no-fund $clis && npm cache clean --force; fi
WORKDIR /app
COPY --from=runtime-deps /app ./
# tsx compiles the sources with the repository's compiler options, as in a checkout.
COPY tsconfig.json tsconfig.base.json ./
COPY packages/protocol packages/protocol
COPY packages/server packages/server
COPY packages/worker packages/worker
COPY packages/cli packages/cli
ENV NODE_ENV=production \
    GARAGESWARM_WORKER_STATE_DIR=/home/node/.garageswarm/worker
USER node
# HOME is the volume: it holds the worker's state dir (machine id, so a new container is the same worker;
# undelivered reports) and the agent CLIs' logins (~/.claude, ~/.codex, ~/.gemini).
RUN mkdir -p /home/node/.garageswarm/worker
VOLUME ["/home/node"]
ENTRYPOINT ["node", "/app/packages/cli/bin/garageswarm.js"]
CMD ["worker"]
