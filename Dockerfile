# Build: docker build -t wallboard .
# Run:   docker run -p 8080:8080 -e WALLBOARD_UJET_SUBDOMAIN=… -e WALLBOARD_UJET_DOMAIN=… -e WALLBOARD_UJET_TOKEN=… wallboard
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
