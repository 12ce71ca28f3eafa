# Sluice worker image: Node 24 LTS, built from this repository.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm ci --no-audit --no-fund && npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY connectors ./connectors
EXPOSE 8083
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["start", "connectors/postgres-source.json", "connectors/jsonl-sink.json"]
