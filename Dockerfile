# Sluice worker image: Node 24 LTS, built from this repository, Kafka mode included.
#
# The Kafka client (@confluentinc/kafka-javascript, an optional dependency) is compiled from source
# as .ci/run does it, linking its bundled librdkafka as a shared library against the system's
# OpenSSL, zlib, zstd and Cyrus SASL: the build stage has their headers and a compiler, the final
# stage only the shared libraries. npm skips an optional dependency whose build fails, so each stage
# loads the client to fail the image build instead of shipping a worker without Kafka mode.
FROM node:24-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends g++ make python3 pkg-config libssl-dev zlib1g-dev libzstd-dev libsasl2-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
ENV CKJS_LINKING=dynamic npm_config_build_from_source=true
RUN npm ci --no-audit --no-fund \
 && node -e 'require("@confluentinc/kafka-javascript")' \
 && npm run build \
 && npm prune --omit=dev

FROM node:24-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libssl3 zlib1g libzstd1 libsasl2-2 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY connectors ./connectors
RUN node -e 'require("@confluentinc/kafka-javascript")'
EXPOSE 8083
# Run through its first line, which carries the V8 flags the worker runs with.
ENTRYPOINT ["/app/dist/cli.js"]
# A worker with no connectors (create them through the REST API on 8083); docker-compose.yml gives
# it the worker config and connector files.
CMD ["start"]
