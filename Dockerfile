# Build: a static, cgo-free binary (SQLite is pure Go).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/cms . && mkdir -p /out/data

# Run: no shell, no package manager, a non-root user, data on a volume.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/cms /usr/local/bin/cms
COPY --from=build --chown=65532:65532 /out/data /data
ENV CMS_ADDR=:8080 CMS_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8080
USER 65532:65532
# No shell or curl here: the binary asks its own /readyz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 CMD ["/usr/local/bin/cms", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/cms"]
CMD ["serve"]
