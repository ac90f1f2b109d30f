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
RUN pip install --no-cache-dir . && useradd --create-home crm && mkdir -p /app/.data && chown crm /app/.data
USER crm
ENV CRM_ENV=prod CRM_HOST=0.0.0.0
EXPOSE 8000
CMD ["crm", "serve", "--host", "0.0.0.0", "--port", "8000"]
