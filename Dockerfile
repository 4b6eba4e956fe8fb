# mockserver as a container: docker build -t mockserver . && docker run --rm -p 8080:8080 mockserver
# Configured by MOCKSERVER_* variables (docs/running.md); fixtures are read from /fixtures,
# so `-v ./my-fixtures:/fixtures:ro` serves yours. tests/test_wheel.py runs this file's ENV, CMD and
# HEALTHCHECK against the wheel installed in a fresh venv.

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY mockserver mockserver
COPY fixtures fixtures
COPY contracts contracts
RUN pip wheel --no-cache-dir --disable-pip-version-check --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --disable-pip-version-check --root-user-action=ignore /wheels/*.whl \
    && rm -rf /wheels \
    && useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin mockserver
# The default fixtures, where a mounted folder replaces them.
COPY fixtures /fixtures
# By uid, so that a `runAsNonRoot` cluster can tell it is not root.
USER 10001:10001
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MOCKSERVER_HOST=0.0.0.0 \
    MOCKSERVER_PORT=8080 \
    MOCKSERVER_FIXTURES=/fixtures \
    MOCKSERVER_LOG_FORMAT=json
EXPOSE 8080
# python:slim has no curl: `mockserver health` asks /__admin/health with the standard library.
HEALTHCHECK --interval=5s --timeout=3s --start-period=5s --retries=3 CMD ["mockserver", "health"]
STOPSIGNAL SIGTERM
CMD ["mockserver", "run"]
