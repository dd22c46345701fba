# Build: docker build -t wallboard .
# Run:   docker run -p 8080:8080 -v "$PWD/wallboard.yaml:/etc/wallboard.yaml:ro" \
#          -e WALLBOARD_CONFIG=/etc/wallboard.yaml -e WALLBOARD_UJET_SUBDOMAIN=… \
#          -e WALLBOARD_UJET_DOMAIN=… -e WALLBOARD_UJET_TOKEN=… wallboard
# The config file's access section (users or a trusted proxy, and a display
# secret) is what lets browsers outside the container in: without one the
# wallboard answers loopback only, which inside a container is nobody.
# Add -p 9090:9090 -e WALLBOARD_METRICS_ADDR=:9090 for Prometheus.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/wallboard .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/wallboard /wallboard
EXPOSE 8080
USER nonroot:nonroot
ENTRYPOINT ["/wallboard"]
