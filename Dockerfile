# rsvpd as a container: a static binary (pure Go, SQLite included) on distroless, as a
# non-root user, with its store in a volume.
#
#   docker build -t rsvpd .
#   docker run -d --name rsvpd -v rsvpd-data:/var/lib/rsvpd \
#     -v /etc/rsvpd:/etc/rsvpd:ro --env-file /etc/rsvpd/env -p 127.0.0.1:9180:9180 rsvpd
#
# config.yaml in /etc/rsvpd names the store /var/lib/rsvpd/rsvpd.db. To reach /healthz and
# /metrics from outside the container, listen on 0.0.0.0:9180 with a bearer token
# (http.token_env). `docker kill -s HUP rsvpd` reloads; `docker stop` gives it 10s to finish
# the messages in flight (--shutdown-timeout; raise `docker stop -t` with it).

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# No cgo: a static binary that needs no libc. The time zones are embedded (time/tzdata).
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/rsvpd ./cmd/rsvpd \
 && mkdir -p /out/state

FROM gcr.io/distroless/static-debian12:nonroot
# distroless/static carries the CA certificates (SMTP and IMAP over TLS) and /etc/passwd
# with the nonroot user (65532).
COPY --from=build /out/rsvpd /usr/local/bin/rsvpd
COPY --from=build --chown=65532:65532 /out/state /var/lib/rsvpd
USER 65532:65532
WORKDIR /var/lib/rsvpd
VOLUME ["/var/lib/rsvpd"]
EXPOSE 9180
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/rsvpd"]
CMD ["run", "--config", "/etc/rsvpd/config.yaml"]
