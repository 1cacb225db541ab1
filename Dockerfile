# One image for api, worker, dashboard and the migrate job (docker-compose.yml picks the command).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY dashboard/package.json dashboard/
COPY sdk/node/package.json sdk/node/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build --workspace dashboard && npm prune --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app /app
USER node
EXPOSE 3000 3001
CMD ["node", "api/server.ts"]
