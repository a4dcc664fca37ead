# The dashboard as a small, non-root image for Fly.io (see fly.toml).
# Build: docker build -t flydash .   Run: docker run -p 8080:8080 -e DASHBOARD_PASSWORD=... flydash

# ---- assets (optional): the explore view's ECharts bundle -------------------
# scripts/fetch-echarts.sh fetches a pinned, checksummed echarts.min.js into
# views/static/vendor/, which the Go build embeds. If this stage is removed
# (or fails to reach the npm registry), drop the COPY --from=assets below:
# the dashboard still works and the explore view falls back to the SVG chart.
FROM node:22-alpine AS assets
WORKDIR /src
COPY scripts/fetch-echarts.sh scripts/
RUN mkdir -p views/static && sh scripts/fetch-echarts.sh

# ---- build ------------------------------------------------------------------
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
COPY --from=assets /src/views/static/vendor/ views/static/vendor/
# Static, reproducible, stripped: no libc needed at run time.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/dashboard ./cmd/dashboard

# ---- run --------------------------------------------------------------------
# distroless/static has CA certificates (for api.machines.dev and
# api.fly.io), tzdata and a "nonroot" user (65532), and no shell.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/dashboard /dashboard
# Listen on every interface (IPv4 and IPv6) for Fly's proxy. The dashboard
# refuses to start like this unless DASHBOARD_PASSWORD (or _HASH) is set.
ENV LISTEN_ADDR=0.0.0.0:8080
EXPOSE 8080
USER 65532:65532
ENTRYPOINT ["/dashboard"]
