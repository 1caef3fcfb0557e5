# syntax=docker/dockerfile:1
# GestorLead Studio: one image for every process role (ROLE=all|api|worker|scheduler).
#
#   docker build -t gestorlead-studio .
#   docker run -p 8000:8000 -e HOST=0.0.0.0 -v studio-data:/data gestorlead-studio
#
# The runtime runs its TypeScript sources through tsx, as `npm start` does. tsx and esbuild are
# production dependencies of sdk-plugin (the core plugin is built from source at every start),
# so pruning the development dependencies keeps them.

ARG NODE_VERSION=20.20.2

# Stage 1: install every dependency and build the native modules (better-sqlite3, isolated-vm).
FROM node:${NODE_VERSION}-bookworm AS build
WORKDIR /app
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc ./
COPY runtime/package.json runtime/
COPY storage/package.json storage/
COPY sdk-plugin/package.json sdk-plugin/
COPY builder/package.json builder/
COPY plugins/core/package.json plugins/core/
RUN npm ci --no-audit --no-fund
COPY . .
# Builds the builder into builder/dist, which the api role serves at /.
RUN npm run build \
  && npm prune --omit=dev --no-audit --no-fund \
  && rm -rf builder/src builder/e2e bench docs/*.png

# Stage 2: the runtime image on the slim base of the same Debian release, so the native modules
# built above load unchanged.
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000 \
    DATA_DIR=/data \
    ROLE=all
WORKDIR /app
RUN groupadd --system --gid 10001 studio \
  && useradd --system --uid 10001 --gid studio --home-dir /app --shell /usr/sbin/nologin studio \
  && mkdir -p /data \
  && chown studio:studio /data
COPY --from=build --chown=studio:studio /app /app
USER studio
VOLUME ["/data"]
EXPOSE 8000 9464
# The api and all roles answer GET /health on PORT; worker and scheduler on METRICS_PORT.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "scripts/healthcheck.mjs"]
# isolated-vm needs --no-node-snapshot on Node.js 20.
ENTRYPOINT ["node", "--no-node-snapshot", "--import", "tsx", "runtime/src/main.ts"]
