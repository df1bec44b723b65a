# dialoutmock in a container: a static binary in an empty image, run as a
# non-root user, listening on 0.0.0.0:8080.
#
#   docker build -t dialoutmock .
#   docker run --rm -p 127.0.0.1:8080:8080 dialoutmock
#   docker run --rm -p 127.0.0.1:8080:8080 -e DIALOUTMOCK_WINDOW_END=2026-11-01 dialoutmock   # repeatable data

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/dialoutmock ./cmd/dialoutmock \
 && CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/dialoutconform ./cmd/dialoutconform \
 && mkdir -p /out/tmp && chmod 1777 /out/tmp

FROM scratch
COPY --from=build /out/dialoutmock /out/dialoutconform /usr/local/bin/
# A writable /tmp: a zip upload is spooled to a temporary file before it is read.
COPY --from=build /out/tmp /tmp
# The loopback default would be unreachable from outside the container.
ENV DIALOUTMOCK_ADDR=0.0.0.0:8080
EXPOSE 8080
# No shell, no passwd file: a numeric non-root user.
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/dialoutmock"]
