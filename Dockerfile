# ltonode in a container: a multi-stage build on Debian (bookworm), linking Debian's RocksDB,
# running as an unprivileged user with its database on a volume.
#
#   docker build -t ltonode .
#   docker run -v ltonode-data:/data -p 6869:6869 -p 6863:6863 ltonode run --dev
#
# Every setting comes from LTONODE_* variables (see the README); the forging seed from
# LTONODE_FORGING_SEED or a mounted file named by LTONODE_FORGING_SEED_FILE (mode 0600).

FROM rust:1-bookworm AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends librocksdb-dev libclang-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p ltonode \
 && install -D target/release/ltonode /out/ltonode

FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends librocksdb7.8 ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin ltonode \
 && mkdir -p /data /etc/ltonode \
 && chown ltonode:ltonode /data
COPY --from=build /out/ltonode /usr/local/bin/ltonode
COPY genesis.json /etc/ltonode/genesis.json
ENV LTONODE_DATA_DIR=/data \
    LTONODE_REST_ADDR=0.0.0.0:6869 \
    LTONODE_P2P_ADDR=0.0.0.0:6863 \
    LTONODE_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 6869 6863
USER ltonode
# Healthy once the REST API answers /node/status.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD curl -fsS http://127.0.0.1:6869/node/status >/dev/null || exit 1
# SIGTERM (docker stop) shuts the node down cleanly: the last block is on disk.
STOPSIGNAL SIGTERM
ENTRYPOINT ["ltonode"]
CMD ["run", "--dev"]
