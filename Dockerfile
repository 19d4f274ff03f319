# pushauth container image: pushauthd, pushctl and softtoken on a distroless
# base, running as an unprivileged user. Build and run: docs/operations.md.
#
#   docker build -t pushauth .
#   docker run -d --name pushauth -p 1812:1812/udp -p 8080:8080 \
#     -e PUSHAUTH_DEVICE_API_PUBLIC_URL=https://push.example.com \
#     -v pushauth-data:/var/lib/pushauth \
#     -v /etc/pushauth/pushauth.yaml:/etc/pushauth/pushauth.yaml:ro pushauth

# Build stage: static binaries (the SQLite driver is pure Go), paths trimmed,
# version and commit stamped from the Git checkout when the context has one.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ENV CGO_ENABLED=0
RUN go build -trimpath -buildvcs=auto -o /out/ ./cmd/pushauthd ./cmd/pushctl ./cmd/softtoken \
    && mkdir -p /out/data

# Run stage: no shell, no package manager; user nonroot (65532).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/pushauthd /out/pushctl /out/softtoken /usr/local/bin/
COPY packaging/pushauth.yaml /etc/pushauth/pushauth.yaml
COPY --from=build --chown=nonroot:nonroot /out/data /var/lib/pushauth
USER nonroot:nonroot
VOLUME ["/var/lib/pushauth"]
# pushctl (docker exec pushauth pushctl ...) uses the token the server
# generates there, unless the config sets admin_api.token.
ENV PUSHAUTH_ADMIN_TOKEN_FILE=/var/lib/pushauth/admin.token
# RADIUS (UDP) and the device API for phones. The admin API stays on the
# container's loopback: docker exec pushauth pushctl user list
EXPOSE 1812/udp 8080/tcp
# /readyz on the admin API (admin_api.public_health in the packaged config).
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/pushctl", "health"]
ENTRYPOINT ["/usr/local/bin/pushauthd"]
CMD ["--config", "/etc/pushauth/pushauth.yaml"]
