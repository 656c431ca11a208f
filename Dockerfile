# The GanCluster image: one image for every role (coordinator, generator, discriminator) and for the CLI.
#   docker build -t gancluster .
#   docker build --build-arg TORCH_BACKEND=cuda -t gancluster:cuda .     (GPU workers; see README, GPU nodes)
#   docker run --rm gancluster node --roles coordinator ...      (see docker-compose.yml)
# Both stages must use the same distribution (the .NET 10 images default to Ubuntu 24.04): the TorchSharp native fix
# (scripts/fix-torchsharp.sh) is decided at publish time from the build image's libstdc++, and the runtime image must
# provide the same one.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# The fix's tools are needed only where libstdc++ lacks GLIBCXX_3.4.32 (Debian 12 based images); elsewhere the fix
# is a no-op and nothing is installed.
RUN if ! grep -aq GLIBCXX_3.4.32 /usr/lib/x86_64-linux-gnu/libstdc++.so.6; then \
        apt-get update && apt-get install -y --no-install-recommends g++ patchelf python3 binutils \
        && rm -rf /var/lib/apt/lists/*; \
    fi
COPY . .
# The native libtorch: cpu (default) or cuda (libtorch-cuda-12.8-linux-x64, which bundles the CUDA runtime libraries;
# the host needs only the NVIDIA driver and the container toolkit). docker-compose.gpu.yml builds the cuda image.
ARG TORCH_BACKEND=cpu
# No BuildKit-only syntax (a cache mount, for example): Debian's own docker.io builds with the classic builder. A
# rebuild after a source change restores the packages again (about 320 MB).
RUN dotnet publish src/GanCluster.Cli/GanCluster.Cli.csproj -c Release -r linux-x64 --self-contained false \
        -p:TorchBackend=$TORCH_BACKEND -o /app

# The ASP.NET Core runtime image: nodes reference the ASP.NET Core shared framework for their optional HTTP endpoint
# (--dashboard-port: the dashboard and /metrics).
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
# The cluster-config HOCON travels with the app; copied explicitly so the image does not depend on which project
# references GanCluster.Node.
COPY --from=build /src/cluster-config ./cluster-config
# Data (SQLite journal and checkpoints, logs) lives in a volume owned by the image's unprivileged user (APP_UID is
# defined by the .NET runtime images).
RUN mkdir -p /data && chown "$APP_UID" /data
ENV GANCLUSTER_CONFIG=/app/cluster-config \
    GANCLUSTER_DATA=/data \
    DOTNET_gcServer=0
VOLUME ["/data"]
# Akka.Remote. Nodes bind 127.0.0.1 unless GANCLUSTER_HOSTNAME says otherwise (compose sets 0.0.0.0 together with
# GANCLUSTER_PUBLIC_HOSTNAME).
EXPOSE 4053
# The dashboard and /metrics when a node is given --dashboard-port 8080 (GANCLUSTER_DASHBOARD_PORT); reaching it from
# outside the container needs GANCLUSTER_DASHBOARD_HOSTNAME=0.0.0.0 and GANCLUSTER_INSECURE=1 (it has no TLS or login).
EXPOSE 8080
USER $APP_UID
ENTRYPOINT ["dotnet", "gancluster.dll"]
