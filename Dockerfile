# Rapport on the official Node image. Build: docker build -t rapport .
# Run (docs/DEPLOY.md): docker run -d --name rapport -p 3000:3000 -v rapport-data:/data --env-file rapport.env rapport
#
# Stage 1 compiles better-sqlite3 (node-gyp needs the full image's python3, make and g++),
# generates the Prisma client and builds dist/ (npm's postinstall and prepare).
FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
COPY scripts ./scripts
COPY bin ./bin
COPY src ./src
RUN npm ci --omit=dev && npm cache clean --force

# Stage 2: the same files on the slim image (same Debian, so the compiled addon fits).
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    DATABASE_URL=file:/data/rapport.db \
    PORT=3000
WORKDIR /app
COPY --from=build --chown=node:node /app /app
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 3000
# GET /healthz answers 200 or 503 (docs/DEPLOY.md "Health and metrics").
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.METRICS_PORT || process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
# SIGTERM stops it gracefully: adapters stop taking events and finish replies, then the scheduler and the database close.
STOPSIGNAL SIGTERM
CMD ["node", "bin/rapport.mjs", "bot"]
