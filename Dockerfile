# syntax=docker/dockerfile:1
# salesbot in a container:
#   docker build -t salesbot .
#   docker run -d --name salesbot --env-file salesbot.env -v salesbot-data:/data -p 127.0.0.1:8443:8443 \
#       --stop-timeout 60 --restart on-failure salesbot
# One process on the SQLite file in /data, or one of N webhook instances on PostgreSQL (README, Deployment).

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
# salesbot and all its dependencies as wheels: the image below installs them without the source or a compiler
RUN pip wheel --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-index --find-links=/wheels salesbot
# a fixed uid, so a bind-mounted /data can be given to it on the host (chown 10001)
RUN groupadd --system --gid 10001 salesbot \
    && useradd --system --uid 10001 --gid salesbot --create-home --home-dir /home/salesbot \
       --shell /usr/sbin/nologin salesbot \
    && mkdir -p /data/backups \
    && chown -R salesbot:salesbot /data
# the SQLite file and its daily backups live in the volume; a PostgreSQL DATABASE_URL in the env file wins
ENV DATABASE_URL=sqlite+aiosqlite:////data/salesbot.db \
    WEBHOOK_PORT=8443
VOLUME ["/data"]
WORKDIR /data
USER salesbot
EXPOSE 8443
# slim has no curl. /healthz is served on WEBHOOK_PORT with a webhook, on SALESBOT_METRICS_PORT when polling;
# a polling instance without that port has nothing to ask, and counts as healthy while it runs
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; port = os.environ.get('WEBHOOK_PORT', '8443') if os.environ.get('WEBHOOK_URL') else os.environ.get('SALESBOT_METRICS_PORT'); port and urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=8)"]
# salesbot stops cleanly on SIGTERM; a send in flight may take SALESBOT_SEND_TIMEOUT (15 s, at most 50), more than
# docker stop's default 10 s: hence --stop-timeout 60 above
STOPSIGNAL SIGTERM
ENTRYPOINT ["salesbot"]
CMD ["run"]
