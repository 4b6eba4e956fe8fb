# mockserver as a container: docker build -t mockserver . && docker run -p 8080:8080 -p 8443:8443 mockserver
# Configured by MOCKSERVER_* variables (docs/running.md); fixtures are read from /fixtures,
# so `-v ./my-fixtures:/fixtures:ro` serves yours. HTTPS on 8443 beside HTTP on 8080, its CA kept in /tls
# (`-v mockserver-tls:/tls` keeps it; `docker exec <container> mockserver tls ca --pem > ca.pem` copies
# it out: docs/https.md). tests/cli/test_wheel.py runs this file's ENV, CMD and HEALTHCHECK against the
# wheel installed in a fresh venv.

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
    && useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin mockserver \
    && install --directory --owner 10001 --group 10001 --mode 0700 /tls
# The default fixtures, where a mounted folder replaces them.
COPY fixtures /fixtures
# By uid, so that a `runAsNonRoot` cluster can tell it is not root.
USER 10001:10001
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MOCKSERVER_HOST=0.0.0.0 \
    MOCKSERVER_PORT=8080 \
    MOCKSERVER_FIXTURES=/fixtures \
    MOCKSERVER_LOG_FORMAT=json \
    MOCKSERVER_HTTPS_PORT=8443 \
    MOCKSERVER_TLS_DIR=/tls
# HTTP and HTTPS (an HTTPS port given turns it on; the CA is made in /tls on the first start, and kept
# there as long as /tls is: mount a volume on it to keep one CA from one container to the next).
EXPOSE 8080 8443
# python:slim has no curl: `mockserver health` asks /__admin/health with the standard library, over HTTP.
HEALTHCHECK --interval=5s --timeout=3s --start-period=5s --retries=3 CMD ["mockserver", "health"]
STOPSIGNAL SIGTERM
CMD ["mockserver", "run"]
