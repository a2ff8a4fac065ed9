# One image for the three AI Hub processes (web, proxy, controller); the command picks the process.
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/prisma-generate.ts scripts/
COPY prisma prisma
COPY prisma.config.ts ./
RUN npm ci

FROM deps AS build
COPY . .
RUN npm run build

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app /app
RUN useradd --uid 10001 --create-home aihub && chown -R aihub /app/.next
USER 10001
EXPOSE 3000 8000
CMD ["npm", "run", "start"]
