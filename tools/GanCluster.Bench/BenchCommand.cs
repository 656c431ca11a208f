using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Akka.Actor;
using Akka.Configuration;
using Akka.Streams;
using GanCluster.Cluster.Coordinator;
using GanCluster.Cluster.Exchange;
using GanCluster.Cluster.Transfer;
using GanCluster.Cluster.Workers;
using GanCluster.Node;
using GanCluster.Protocol;
using GanCluster.Training.Core;
using GanCluster.Training.Data;
using GanCluster.Training.Options;
using GanCluster.Training.Runtime;
using static TorchSharp.torch;

namespace GanCluster.Bench;

/// <summary>
/// <c>gancluster-bench ...</c> commands used by scripts/bench.sh: the exchange path (two ActorSystems in
/// two processes, the product's serializer, BulkSender and ChunkReceiver, next to a raw loopback socket with the
/// same framing), the ping latency during bulk transfers, and the DCGAN 64x64 checkpoint take/store/restore.
/// Each prints one JSON object on stdout.
/// </summary>
internal static class BenchCommand
{
    public static RootCommand Create()
    {
        var command = new RootCommand("GanCluster micro-benchmarks for scripts/bench.sh (each prints one JSON object).");
        command.Subcommands.Add(Exchange());
        command.Subcommands.Add(ExchangePeer());
        command.Subcommands.Add(CheckpointBench());
        command.Subcommands.Add(RecoveryBench.Create());
        command.Subcommands.Add(PaddingProbe.Create());
        return command;
    }

    private static Config RemoteConfig()
    {
        // The product's shared settings (frame size, socket buffers, batching off, serializers), with plain
        // remoting instead of cluster membership: the exchange path is the same remoting connection.
        var shared = ClusterConfigLoader.LoadShared(ClusterConfigLoader.LocateConfigDirectory(), includeSerialization: true);
        return ConfigurationFactory.ParseString("""
            akka.actor.provider = remote
            akka.remote.dot-netty.tcp.hostname = "127.0.0.1"
            akka.remote.dot-netty.tcp.port = 0
            akka.loglevel = WARNING
            akka.loggers = ["Akka.Event.DefaultLogger"]
            akka.stdout-loglevel = WARNING
            """).WithFallback(shared);
    }

    private static TensorPayload Payload(Tensor t) => TensorWire.ToPayload(t);

    // ---------------------------------------------------------------- peer (second process)

    private sealed class Echo : ReceiveActor
    {
        private readonly ChunkReceiver _chunks;
        private readonly IActorRef _bulk;
        private IActorRef? _client;

        public Echo(IActorRef bulk)
        {
            _bulk = bulk;
            _chunks = new ChunkReceiver(Context.System);
            Receive<string>(s =>
            {
                if (s == "hello")
                {
                    _client = Sender;
                    Sender.Tell("hello");
                }
                else
                {
                    Sender.Tell(s); // ping
                }
            });
            Receive<MessageChunk>(c =>
            {
                if (_chunks.TryAccept(c, Sender, out var m))
                {
                    Self.Forward(m);
                }
            });
            Receive<FakeBatch>(batch => _bulk.Tell(new BulkSend(_client!, Reply(batch)), Self));
            Receive<ExchangeInbound>(inbound =>
            {
                if (inbound.Message is FakeBatch batch)
                {
                    inbound.Connection.Tell(Reply(batch), ActorRefs.NoSender);
                }
            });
        }

        private static GeneratorFeedback Reply(FakeBatch batch)
        {
            // What a discriminator does with the bytes: into a tensor, and a same-sized gradient back out.
            using var scope = NewDisposeScope();
            var tensor = TensorWire.ToTensor(batch.Samples);
            return new GeneratorFeedback(batch.Id, batch.Round, NamedTerms.Empty, Payload(tensor), 0);
        }
    }

    // Experiment knobs (inherited by the peer process): GANCLUSTER_BENCH_CHUNK bytes, GANCLUSTER_BENCH_WINDOW chunks.
    private static BulkSenderSettings BenchBulkSettings()
    {
        var settings = BulkSenderSettings.Default;
        if (Environment.GetEnvironmentVariable("GANCLUSTER_BENCH_CHUNK") is { Length: > 0 } chunk)
        {
            settings = settings with { ChunkSize = int.Parse(chunk, CultureInfo.InvariantCulture) };
        }

        if (Environment.GetEnvironmentVariable("GANCLUSTER_BENCH_WINDOW") is { Length: > 0 } window)
        {
            settings = settings with { Window = int.Parse(window, CultureInfo.InvariantCulture) };
        }

        return settings;
    }

    private static readonly ExchangeChannelSettings BenchExchangeSettings = new("127.0.0.1", "127.0.0.1", 0, 256 << 20, TimeSpan.FromSeconds(10));

    // Set by the client for itself and its peer: the certificate both ends of the TLS channel present.
    private const string TlsCertificateVariable = "GANCLUSTER_BENCH_TLS_CERTIFICATE";
    private const string TlsPassword = "bench";

    private static ExchangeChannelSettings BenchTlsSettings() => BenchExchangeSettings with
    {
        Certificate = RemotingTls.LoadCertificate(Environment.GetEnvironmentVariable(TlsCertificateVariable)!, TlsPassword),
    };

    private static Command ExchangePeer()
    {
        var command = new Command("exchange-peer", "The far end of bench exchange.");
        command.SetAction(async (_, cancellation) =>
        {
            TorchRuntime.EnsureLoaded();
            var system = ActorSystem.Create("bench", RemoteConfig());
            var bulk = system.ActorOf(BulkSender.Props(BenchBulkSettings()), "bulk");
            var echo = system.ActorOf(Props.Create(() => new Echo(bulk)), "echo");
            var binding = await ExchangeChannel.Listen(system, system.Materializer(), BenchExchangeSettings, echo).ConfigureAwait(false);
            // The same channel with TLS on (the cluster's certificate, made by the client): a TLS cluster's fast path.
            var tls = BenchTlsSettings();
            var tlsBinding = await ExchangeChannel.Listen(system, system.Materializer(), tls, echo).ConfigureAwait(false);
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            // The bare TLS baseline: the channel's own sockets (SslStream, the same certificate and protocols), the raw framing.
            var rawTls = ExchangeSockets.Listen(tls, stream => Task.Run(() => EchoFrames(stream)));
            var address = ((ExtendedActorSystem)system).Provider.DefaultAddress;
            Console.WriteLine($"READY {address.Port} {((IPEndPoint)listener.LocalEndpoint).Port} {((IPEndPoint)binding.LocalAddress).Port} {((IPEndPoint)tlsBinding.LocalAddress).Port} {((IPEndPoint)rawTls.LocalAddress).Port}");
            Console.Out.Flush();
            var server = new Thread(() => RawEchoServer(listener)) { IsBackground = true };
            server.Start();
            // Runs until stdin closes (the client exits).
            await Task.Run(() => Console.In.ReadToEnd(), cancellation).ConfigureAwait(false);
            listener.Stop();
            await system.Terminate().ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static void RawEchoServer(TcpListener listener)
    {
        try
        {
            while (true)
            {
                var socket = listener.AcceptSocket();
                socket.NoDelay = true;
                _ = Task.Run(() => EchoFrames(new NetworkStream(socket, ownsSocket: true)));
            }
        }
        catch (SocketException)
        {
        }
    }

    /// <summary>Echoes length-prefixed frames, each through a tensor as the workers' receive path does, until the stream ends.</summary>
    private static void EchoFrames(Stream connection)
    {
        using var stream = connection;
        var header = new byte[4];
        byte[] buffer = [];
        try
        {
            while (true)
            {
                stream.ReadExactly(header);
                var length = BitConverter.ToInt32(header);
                if (buffer.Length != length)
                {
                    buffer = new byte[length];
                }

                stream.ReadExactly(buffer);
                using var scope = NewDisposeScope();
                var t = empty(new long[] { length / 4 }, ScalarType.Float32);
                t.bytes = buffer;
                t.bytes.CopyTo(buffer);
                stream.Write(header);
                stream.Write(buffer);
            }
        }
        catch (EndOfStreamException)
        {
        }
        catch (IOException)
        {
        }
    }

    // ---------------------------------------------------------------- client

    private sealed class Sink : ReceiveActor
    {
        public static readonly ConcurrentDictionary<int, TaskCompletionSource> Pending = new();
        public static readonly ConcurrentDictionary<string, TaskCompletionSource> Pings = new();

        public Sink()
        {
            var chunks = new ChunkReceiver(Context.System);
            Receive<MessageChunk>(c =>
            {
                if (chunks.TryAccept(c, Sender, out var m))
                {
                    Self.Forward(m);
                }
            });
            Receive<GeneratorFeedback>(OnFeedback);
            Receive<ExchangeInbound>(inbound =>
            {
                if (inbound.Message is GeneratorFeedback f)
                {
                    OnFeedback(f);
                }
            });
            Receive<string>(s =>
            {
                if (Pings.TryRemove(s, out var tcs))
                {
                    tcs.TrySetResult();
                }
            });
        }

        private static void OnFeedback(GeneratorFeedback f)
        {
            // The received bytes back into a tensor, as the generator does.
            using (NewDisposeScope())
            {
                TensorWire.ToTensor(f.Gradient);
            }

            if (Pending.TryRemove(f.Round, out var tcs))
            {
                tcs.TrySetResult();
            }
        }
    }

    private static Command Exchange()
    {
        var sizes = new Option<string>("--sizes") { DefaultValueFactory = _ => "313600,786432,3145728" };
        var repeats = new Option<int>("--repeats") { DefaultValueFactory = _ => 5 };
        var seconds = new Option<double>("--seconds") { Description = "Length of one repeat.", DefaultValueFactory = _ => 1.0 };
        var command = new Command("exchange", "Round trips of tensor payloads through Akka remoting and through a raw socket; ping latency during bulk.") { sizes, repeats, seconds };
        command.SetAction(async (parse, _) =>
        {
            TorchRuntime.EnsureLoaded();
            set_num_threads(1);
            var psi = new ProcessStartInfo(Environment.ProcessPath!)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            var entry = System.Reflection.Assembly.GetEntryAssembly()!.Location;
            if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
            {
                psi.ArgumentList.Add(entry);
            }

            psi.ArgumentList.Add("exchange-peer");
            var certificateFolder = Directory.CreateTempSubdirectory("gancluster-bench-tls-");
            var certificatePath = Path.Combine(certificateFolder.FullName, "cluster.pfx");
            ClusterCertificate.Create(certificatePath, TlsPassword);
            Environment.SetEnvironmentVariable(TlsCertificateVariable, certificatePath);
            psi.Environment[TlsCertificateVariable] = certificatePath;
            using var peer = Process.Start(psi)!;
            string? line;
            do
            {
                line = await peer.StandardOutput.ReadLineAsync().ConfigureAwait(false);
            }
            while (line is not null && !line.StartsWith("READY ", StringComparison.Ordinal));

            if (line is null)
            {
                Console.Error.WriteLine("bench exchange: the peer did not start");
                return 1;
            }

            var ports = line.Split(' ');
            var akkaPort = int.Parse(ports[1], CultureInfo.InvariantCulture);
            var tcpPort = int.Parse(ports[2], CultureInfo.InvariantCulture);
            var channelPort = int.Parse(ports[3], CultureInfo.InvariantCulture);
            var tlsChannelPort = int.Parse(ports[4], CultureInfo.InvariantCulture);
            var rawTlsPort = int.Parse(ports[5], CultureInfo.InvariantCulture);

            var system = ActorSystem.Create("bench", RemoteConfig());
            var bulk = system.ActorOf(BulkSender.Props(BenchBulkSettings()), "bulk");
            var sink = system.ActorOf(Props.Create(() => new Sink()), "sink");
            var echo = await system.ActorSelection($"akka.tcp://bench@127.0.0.1:{akkaPort}/user/echo").ResolveOne(TimeSpan.FromSeconds(20)).ConfigureAwait(false);
            await echo.Ask<string>("hello", TimeSpan.FromSeconds(20)).ConfigureAwait(false);
            // The echo replies to whoever said hello last: make that the sink.
            echo.Tell("hello", sink);
            await Task.Delay(200).ConfigureAwait(false);
            var (channel, connected) = ExchangeChannel.Connect(system, system.Materializer(), BenchExchangeSettings, "127.0.0.1", channelPort, sink);
            await connected.ConfigureAwait(false);
            var tls = BenchTlsSettings();
            var (tlsChannel, tlsConnected) = ExchangeChannel.Connect(system, system.Materializer(), tls, "127.0.0.1", tlsChannelPort, sink);
            await tlsConnected.ConfigureAwait(false);
            await using var tlsStream = await ExchangeSockets.ConnectAsync("127.0.0.1", rawTlsPort, tls.Certificate, TimeSpan.FromSeconds(20)).ConfigureAwait(false);
            certificateFolder.Delete(recursive: true);

            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            // Same socket buffers as remoting (base.conf: 4 MiB).
            socket.SendBufferSize = 4 << 20;
            socket.ReceiveBufferSize = 4 << 20;
            await socket.ConnectAsync(IPAddress.Loopback, tcpPort).ConfigureAwait(false);
            using var stream = new NetworkStream(socket);

            var round = 0;
            var results = new List<object>();
            foreach (var size in parse.GetValue(sizes)!.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)))
            {
                using var tensor = rand(size / 4);
                var akkaRtt = new List<double>();
                var gcPauseMsPerRt = new List<double>();
                var gen2PerRt = new List<double>();
                var akkaMbs = new List<double>();
                var channelRtt = new List<double>();
                var channelMbs = new List<double>();
                var tlsRtt = new List<double>();
                var tlsMbs = new List<double>();
                var rawRtt = new List<double>();
                var rawMbs = new List<double>();
                var rawTlsRtt = new List<double>();
                var rawTlsMbs = new List<double>();
                var sendBuffer = new byte[size];
                var receiveBuffer = new byte[size];
                var header = BitConverter.GetBytes(size);

                // A fake batch out and its same-sized gradient back, the way the workers exchange them.
                async ValueTask<double> RoundTrip(Action<FakeBatch> send)
                {
                    var id = ++round;
                    var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    Sink.Pending[id] = tcs;
                    var start = Stopwatch.GetTimestamp();
                    send(new FakeBatch(new ExperimentId("exp-bench0000"), id, Phase.Generator, 0, Payload(tensor), null));
                    await tcs.Task.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
                    return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                }

                ValueTask<double> AkkaRoundTrip() => RoundTrip(batch => bulk.Tell(new BulkSend(echo, batch), sink));

                ValueTask<double> ChannelRoundTrip() => RoundTrip(batch => channel.Tell(batch, ActorRefs.NoSender));

                ValueTask<double> TlsChannelRoundTrip() => RoundTrip(batch => tlsChannel.Tell(batch, ActorRefs.NoSender));

                ValueTask<double> RawRoundTrip() => new(RawSocketRoundTrip(stream));

                ValueTask<double> RawTlsRoundTrip() => new(RawSocketRoundTrip(tlsStream));

                // One repeat of one path: round trips for the configured duration; median RTT and MB/s (both directions).
                var duration = TimeSpan.FromSeconds(parse.GetValue(seconds));
                async Task<int> Window(Func<ValueTask<double>> roundTrip, List<double> rtt, List<double> mbs)
                {
                    var rtts = new List<double>();
                    var watch = Stopwatch.StartNew();
                    while (watch.Elapsed < duration)
                    {
                        rtts.Add(await roundTrip().ConfigureAwait(false));
                    }

                    rtt.Add(Median(rtts));
                    mbs.Add(2.0 * size * rtts.Count / watch.Elapsed.TotalSeconds / 1e6);
                    return rtts.Count;
                }

                double RawSocketRoundTrip(Stream stream)
                {
                    var start = Stopwatch.GetTimestamp();
                    tensor.bytes.CopyTo(sendBuffer);
                    stream.Write(header);
                    stream.Write(sendBuffer);
                    stream.ReadExactly(receiveBuffer.AsSpan(0, 4));
                    stream.ReadExactly(receiveBuffer);
                    using var t = empty(new long[] { size / 4 }, ScalarType.Float32);
                    t.bytes = receiveBuffer;
                    return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                }

                for (var i = 0; i < 20; i++)
                {
                    await AkkaRoundTrip().ConfigureAwait(false);
                    await ChannelRoundTrip().ConfigureAwait(false);
                    await TlsChannelRoundTrip().ConfigureAwait(false);
                    RawSocketRoundTrip(stream);
                    RawSocketRoundTrip(tlsStream);
                }

                for (var r = 0; r < parse.GetValue(repeats); r++)
                {
                    // Interleaved repeats: remoting, the channel, the TLS channel, raw, then raw TLS, so all five see the same machine load.
                    var pause0 = GC.GetTotalPauseDuration();
                    var gen2 = GC.CollectionCount(2);
                    var count = await Window(AkkaRoundTrip, akkaRtt, akkaMbs).ConfigureAwait(false);
                    gcPauseMsPerRt.Add((GC.GetTotalPauseDuration() - pause0).TotalMilliseconds / count);
                    gen2PerRt.Add((GC.CollectionCount(2) - gen2) / (double)count);
                    await Window(ChannelRoundTrip, channelRtt, channelMbs).ConfigureAwait(false);
                    await Window(TlsChannelRoundTrip, tlsRtt, tlsMbs).ConfigureAwait(false);
                    await Window(RawRoundTrip, rawRtt, rawMbs).ConfigureAwait(false);
                    await Window(RawTlsRoundTrip, rawTlsRtt, rawTlsMbs).ConfigureAwait(false);
                }

                // Profile: the product serializer's share (in this process, no transport), per message.
                var serialization = system.Serialization;
                var probe = new FakeBatch(new ExperimentId("exp-bench0000"), 0, Phase.Generator, 0, Payload(tensor), null);
                var serializer = serialization.FindSerializerFor(probe);
                var toBinary = new List<double>();
                var fromBinary = new List<double>();
                for (var i = 0; i < 30; i++)
                {
                    var t0 = Stopwatch.GetTimestamp();
                    var bytes = serializer.ToBinary(probe);
                    toBinary.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                    t0 = Stopwatch.GetTimestamp();
                    serialization.Deserialize(bytes, serializer.Identifier, "FAK");
                    fromBinary.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                }

                results.Add(new
                {
                    bytes = size,
                    client_gc_pause_ms_per_rt = gcPauseMsPerRt,
                    client_gen2_gcs_per_rt = gen2PerRt,
                    serializer_to_binary_ms = Median(toBinary),
                    serializer_from_binary_ms = Median(fromBinary),
                    akka_rtt_ms = akkaRtt,
                    akka_mb_s = akkaMbs,
                    channel_rtt_ms = channelRtt,
                    channel_mb_s = channelMbs,
                    channel_tls_rtt_ms = tlsRtt,
                    channel_tls_mb_s = tlsMbs,
                    raw_rtt_ms = rawRtt,
                    raw_mb_s = rawMbs,
                    raw_tls_rtt_ms = rawTlsRtt,
                    raw_tls_mb_s = rawTlsMbs,
                });
            }

            // Health: a small ping every 10 ms, idle and then while four 3 MiB round trips are always in flight.
            async Task<List<double>> Pings(TimeSpan length)
            {
                var rtts = new List<double>();
                var watch = Stopwatch.StartNew();
                var n = 0;
                while (watch.Elapsed < length)
                {
                    var key = $"ping-{++n}";
                    var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    Sink.Pings[key] = tcs;
                    var start = Stopwatch.GetTimestamp();
                    echo.Tell(key, sink);
                    await tcs.Task.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
                    rtts.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    await Task.Delay(10).ConfigureAwait(false);
                }

                return rtts;
            }

            var idle = new List<double>();
            var idleMedian = new List<double>();
            var busy = new List<double>();
            var busyChannel = new List<double>();
            var healthRepeats = Math.Max(3, parse.GetValue(repeats) / 2 + 1);
            using var big = rand(3145728 / 4);
            for (var r = 0; r < healthRepeats; r++)
            {
                var idlePings = await Pings(TimeSpan.FromSeconds(1.5)).ConfigureAwait(false);
                idle.Add(Percentile(idlePings, 0.99));
                idleMedian.Add(Median(idlePings));
                // Bulk through remoting (chunked, as without the exchange channel), then through the exchange channel.
                foreach (var (viaChannel, results99) in new[] { (false, busy), (true, busyChannel) })
                {
                    using var stop = new CancellationTokenSource();
                    var flows = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
                    {
                        while (!stop.IsCancellationRequested)
                        {
                            var id = Interlocked.Increment(ref round);
                            var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                            Sink.Pending[id] = tcs;
                            var batch = new FakeBatch(new ExperimentId("exp-bench0000"), id, Phase.Generator, 0, Payload(big), null);
                            if (viaChannel)
                            {
                                channel.Tell(batch, ActorRefs.NoSender);
                            }
                            else
                            {
                                bulk.Tell(new BulkSend(echo, batch), sink);
                            }

                            await tcs.Task.WaitAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
                        }
                    })).ToList();
                    await Task.Delay(300).ConfigureAwait(false);
                    results99.Add(Percentile(await Pings(TimeSpan.FromSeconds(3)).ConfigureAwait(false), 0.99));
                    await stop.CancelAsync().ConfigureAwait(false);
                    await Task.WhenAll(flows).ConfigureAwait(false);
                }
            }

            Console.WriteLine(JsonSerializer.Serialize(new
            {
                exchange = results,
                health = new { ping_median_idle_ms = idleMedian, ping_p99_idle_ms = idle, ping_p99_bulk_ms = busy, ping_p99_channel_bulk_ms = busyChannel, bulk = "4 x 3 MiB round trips in flight" },
            }));
            peer.StandardInput.Close();
            await system.Terminate().ConfigureAwait(false);
            if (!peer.WaitForExit(10_000))
            {
                peer.Kill();
            }

            return 0;
        });
        return command;
    }

    // ---------------------------------------------------------------- checkpoint

    private static Command CheckpointBench()
    {
        var repeats = new Option<int>("--repeats") { DefaultValueFactory = _ => 5 };
        var database = new Option<string>("--db") { DefaultValueFactory = _ => Path.Combine(Path.GetTempPath(), $"gancluster-bench-{Environment.ProcessId}.db") };
        var command = new Command("checkpoint", "Take, store (SQLite) and restore a DCGAN 64x64 checkpoint of both halves.") { repeats, database };
        command.SetAction(async (parse, _) =>
        {
            TorchRuntime.EnsureLoaded();
            var spec = Presets.Resolve("dcgan-64") with { Device = "cpu" };
            var (train, heldOut) = DatasetCatalog.Load(spec);
            using (train)
            using (heldOut)
            using (var trainer = new LocalTrainer(spec, train, TorchRuntime.ResolveDevice("cpu")))
            {
                // Two rounds so that both Adam states exist.
                trainer.RunRound();
                trainer.RunRound();
                var path = parse.GetValue(database)!;
                File.Delete(path);
                var store = new SqliteCheckpointStore(path);
                var take = new List<double>();
                var save = new List<double>();
                var restore = new List<double>();
                long bytes = 0;
                for (var r = 1; r <= parse.GetValue(repeats); r++)
                {
                    var watch = Stopwatch.StartNew();
                    var g = trainer.Generator.SaveState();
                    var d = trainer.Discriminator.SaveState();
                    take.Add(watch.Elapsed.TotalMilliseconds);
                    watch.Restart();
                    await store.SaveAsync(CheckpointBlob.Create("exp-bench0000", r, CheckpointRoles.Generator, g.Data)).ConfigureAwait(false);
                    await store.SaveAsync(CheckpointBlob.Create("exp-bench0000", r, CheckpointRoles.Discriminator, d.Data)).ConfigureAwait(false);
                    save.Add(watch.Elapsed.TotalMilliseconds);
                    watch.Restart();
                    var gb = await store.LoadAsync("exp-bench0000", r, CheckpointRoles.Generator).ConfigureAwait(false);
                    var db = await store.LoadAsync("exp-bench0000", r, CheckpointRoles.Discriminator).ConfigureAwait(false);
                    trainer.Generator.LoadState(new HalfState(gb!.Data));
                    trainer.Discriminator.LoadState(new HalfState(db!.Data));
                    restore.Add(watch.Elapsed.TotalMilliseconds);
                    bytes = g.Data.Length + d.Data.Length;
                    if (trainer.Generator.SaveState().Sha256 != g.Sha256 || trainer.Discriminator.SaveState().Sha256 != d.Sha256)
                    {
                        Console.Error.WriteLine("bench checkpoint: restored state differs");
                        return 1;
                    }
                }

                File.Delete(path);
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    checkpoint = new
                    {
                        bytes,
                        take_ms = take,
                        store_ms = save,
                        restore_ms = restore,
                        store_plus_restore_ms = save.Zip(restore, (a, b) => a + b).ToList(),
                    },
                }));
            }

            return 0;
        });
        return command;
    }

    private static double Median(List<double> values) => Percentile(values, 0.5);

    private static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        var index = (int)Math.Ceiling(p * sorted.Length) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Length - 1)];
    }
}
