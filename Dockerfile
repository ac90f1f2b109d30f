# The explorer and GraphiQL (web/): built with Node into static files the API serves.
FROM node:20-slim AS web
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web ./
RUN npm run build

FROM python:3.11-slim
WORKDIR /app
# ffmpeg decodes voice notes for the speech-to-text worker ([field])
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends ffmpeg && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY config config
COPY crm crm
COPY domain domain
COPY graph graph
COPY integrations integrations
COPY resolvers resolvers
COPY schema schema
COPY workers workers
COPY --from=web /web/dist web/dist
RUN pip install --no-cache-dir . && useradd --create-home crm && mkdir -p /app/.data && chown crm /app/.data
USER crm
ENV CRM_ENV=prod CRM_HOST=0.0.0.0 CRM_WEB_DIST=/app/web/dist
EXPOSE 8000
CMD ["crm", "serve", "--host", "0.0.0.0", "--port", "8000"]
