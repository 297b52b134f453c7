# One image for both services; the command picks the service (see docker-compose.yml).
FROM python:3.11.10-slim-bookworm AS build
WORKDIR /build
COPY requirements.txt requirements.runtime.in ./
RUN python -m venv /venv \
    && /venv/bin/pip install --no-cache-dir -r requirements.runtime.in -c requirements.txt

FROM python:3.11.10-slim-bookworm
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin gongji
WORKDIR /app
COPY --from=build /venv /venv
COPY services/ services/
COPY gen/ gen/
COPY config/ config/
# tools/ for the POS conformance kit against the running stack (python -m tools.conformance), protos/ so the
# contract ships with the code that serves it.
COPY tools/ tools/
COPY protos/ protos/
ENV PATH=/venv/bin:$PATH \
    PYTHONPATH=/app:/app/gen \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
USER 10001
EXPOSE 50051 50052 9101 9102
ENTRYPOINT ["python", "-m"]
CMD ["services.accounts", "serve"]
