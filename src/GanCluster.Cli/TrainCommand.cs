using System.CommandLine;
using GanCluster.Node;
using GanCluster.Training.Core;
using GanCluster.Training.Data;
using GanCluster.Training.Loop;
using GanCluster.Training.Monitoring;
using GanCluster.Training.Options;
using GanCluster.Training.Runs;
using GanCluster.Training.Runtime;
using Serilog;

namespace GanCluster.Cli;

/// <summary><c>gancluster train --local &lt;experiment.json | preset&gt;</c>: trains in this process.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var experiment = new Argument<string>("experiment")
        {
            Description = $"An experiment JSON file or a preset ({string.Join(", ", Presets.Names)}).",
            DefaultValueFactory = _ => "mlp-mnist",
        };
        // train has one mode, so --local is optional: it stays accepted because scripts and the README spell it out.
        var local = new Option<bool>("--local") { Description = "Train in this process, G and D halves side by side (the default and only mode of train; to train on a cluster use 'gancluster submit')." };
        var rounds = new Option<int?>("--rounds") { Description = "Override the number of rounds (of every level of a LAPGAN pyramid)." };
        var seed = new Option<long?>("--seed") { Description = "Override the seed." };
        var output = new Option<string?>("--out") { Description = "Run folder (default: runs/<name>-seed<seed>)." };
        var resume = new Option<bool>("--resume") { Description = "Resume from the newest valid checkpoint in the run folder." };
        var force = new Option<bool>("--force") { Description = "Delete a run already in the run folder and start over." };
        var k = new Option<int?>("--k") { Description = "Override the discriminator steps per round." };
        var batch = new Option<int?>("--batch-size") { Description = "Override the batch size." };
        var device = new Option<string?>("--device") { Description = "Override the device: auto, cpu, cuda, cuda:N." };
        var checkpointInterval = new Option<int?>("--checkpoint-interval") { Description = "Override the checkpoint interval in rounds." };
        var logEvery = new Option<int>("--log-every") { Description = "Log and record metrics every N rounds.", DefaultValueFactory = _ => 50 };
        var torchThreads = new Option<int?>("--torch-threads") { Description = "Threads TorchSharp may use per operation (default one per core)." };
        var evalSamples = new Option<int?>("--eval-samples") { Description = "Samples for the final evaluation (0 = skip; default 10,000 for images, 2,500 for the 2-D mixtures as in VEEGAN and PacGAN)." };

        var command = new Command("train", "Train an experiment.")
        {
            experiment, local, rounds, seed, output, resume, force, k, batch, device, checkpointInterval, logEvery, evalSamples, torchThreads,
        };
        command.SetAction((parse, cancellation) =>
        {
            var log = CliLogging.Create();
            try
            {
                var spec = Presets.Resolve(parse.GetValue(experiment)!);
                spec = parse.GetValue(rounds) is { } roundsOverride ? spec.WithRounds(roundsOverride) : spec;
                spec = spec with
                {
                    Seed = parse.GetValue(seed) ?? spec.Seed,
                    K = parse.GetValue(k) ?? spec.K,
                    BatchSize = parse.GetValue(batch) ?? spec.BatchSize,
                    Device = parse.GetValue(device) ?? spec.Device,
                    CheckpointInterval = parse.GetValue(checkpointInterval) ?? spec.CheckpointInterval,
                };
                SpecValidator.ThrowIfInvalid(spec);
                if (parse.GetValue(torchThreads) is { } threads)
                {
                    // The same rule as a node's --torch-threads; the local run trains on this thread.
                    var count = NodeOptions.ParseTorchThreads(threads.ToString(System.Globalization.CultureInfo.InvariantCulture), "--torch-threads");
                    TorchRuntime.EnsureLoaded();
                    TorchSharp.torch.set_num_threads(count);
                }

                // Checked before anything is written: a CUDA device on a CPU build is bad input, with its fix in the message.
                if (DeviceError(spec.Device) is { } deviceError)
                {
                    log.Error("{Error}", deviceError);
                    return Task.FromResult(2);
                }

                var folder = parse.GetValue(output);
                if (folder is null)
                {
                    // The name becomes a folder name: checked here so that runs/<name>-seed<seed> stays inside runs/.
                    if (SpecValidator.ValidateRunName(spec.Name) is { } nameError)
                    {
                        throw new SpecValidationException([nameError with { Message = $"{nameError.Message}; or pass --out <folder>" }]);
                    }

                    folder = Path.Combine("runs", $"{spec.Name}-seed{spec.Seed}");
                }

                var options = new LocalRunOptions(folder, parse.GetValue(resume), Math.Max(1, parse.GetValue(logEvery)), parse.GetValue(evalSamples), Force: parse.GetValue(force));
                using var stop = new GracefulStop(log, cancellation);
                var observer = new LoggingObserver(log);
                // A whole LAPGAN pyramid trains its levels one after another, each in its own subfolder, then evaluates the chain.
                var pyramid = Training.Families.LapganFamily.IsPyramid(spec);
                var final = pyramid
                    ? new LapganLocalRun(spec, options, observer).Run(stop.Token)
                    : new LocalRun(spec, options, observer).Run(stop.Token);
                log.Information("Run folder {RunFolder} (round {Round})", Path.GetFullPath(folder), final);
                if (observer.HasDiverged && pyramid)
                {
                    log.Warning("The pyramid's chain was not evaluated because a level diverged; train again with --resume (levels that ended do nothing more) and a lower learning rate");
                }

                // A diverged run is a failed run: scripts (scripts/quality.sh among them) must not keep it as a result.
                return Task.FromResult(stop.Signalled ? 130 : observer.HasDiverged ? 1 : 0);
            }
            catch (SpecValidationException e)
            {
                foreach (var error in e.Errors)
                {
                    log.Error("Invalid experiment: {Field}: {Problem}", error.Field, error.Message);
                }

                return Task.FromResult(2);
            }
            catch (RunFolderInUseException e)
            {
                log.Error("{Error}", e.Message);
                return Task.FromResult(2);
            }
            catch (NodeOptionsException e)
            {
                log.Error("{Error}", e.Message);
                return Task.FromResult(2);
            }
            catch (DataFormatException e)
            {
                // The data is read before the run folder is created, so nothing was written.
                log.Error("Invalid data: {Error}", e.Message);
                return Task.FromResult(2);
            }
            catch (Exception e) when (e is TorchUnavailableException or ArgumentException or IOException or InvalidDataException)
            {
                log.Error("{Error}", e.Message);
                return Task.FromResult(1);
            }
        });
        return command;
    }

    private static string? DeviceError(string device)
    {
        try
        {
            TorchRuntime.ResolveDevice(device);
            return null;
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }
    }

    private sealed class LoggingObserver(ILogger log) : ILocalRunObserver
    {
        private string _title = string.Empty;
        private List<string> _alarms = [];

        public void Started(ExperimentSpec spec, string device, int startRound, string dataDescription)
        {
            _title = spec.Name;
            log.Information("Training {Experiment} locally on {Device}: model {Model}, loss {Loss}, k {K}, batch {BatchSize}, rounds {StartRound}..{Rounds}, seed {Seed}, data {Data}",
                spec.Name, device, spec.Model, spec.Loss, spec.K, spec.BatchSize, startRound, spec.Rounds, spec.Seed, dataDescription);
        }

        public void Resumed(int round, IReadOnlyList<string> skippedCheckpoints)
        {
            foreach (var skipped in skippedCheckpoints)
            {
                log.Warning("Skipped a damaged checkpoint: {Reason}", skipped);
            }

            log.Information("Resumed from the checkpoint of round {Round}", round);
        }

        public void RoundLogged(RoundResult r, double stepsPerSecond, int totalRounds)
        {
            // The progress line (the same as `watch` prints) goes to stdout; in a terminal it stands in for the round's
            // log line, which would only repeat it. Redirected, both streams keep everything.
            Console.WriteLine(ProgressView.Line(new ProgressSnapshot(_title, r.Round < totalRounds ? "running" : "completed", r.Round, totalRounds, stepsPerSecond,
                r.DLoss, r.GLoss, r.DReal, r.DFake, null, _alarms)));
            if (Console.IsOutputRedirected)
            {
                log.Information("Round {Round}/{Rounds} loss/d {DLoss:F4} loss/g {GLoss:F4} d/real {DReal:F3} d/fake {DFake:F3} {StepsPerSecond:F1} steps/s{Terms}",
                    r.Round, totalRounds, r.DLoss, r.GLoss, r.DReal, r.DFake, stepsPerSecond, RoundResult.FormatTerms(r.ExtraTerms()));
            }
        }

        public void Checkpointed(int round, string path) => log.Information("Checkpoint of round {Round} written to {Path}", round, path);

        public void Alarmed(Alarm alarm)
        {
            _alarms = [.. _alarms, $"{alarm.Kind} at round {alarm.Round}"];
            log.Warning("Alarm {Alarm} at round {Round}: {Message}", alarm.Kind, alarm.Round, alarm.Message);
        }

        /// <summary>A round's loss was not finite (in any level of a LAPGAN pyramid): the command exits with 1.</summary>
        public bool HasDiverged { get; private set; }

        void ILocalRunObserver.Diverged(RoundResult r)
        {
            HasDiverged = true;
            log.Error("Diverged at round {Round}: loss/d {DLoss} loss/g {GLoss}; resume from the last checkpoint with --resume and a lower learning rate", r.Round, r.DLoss, r.GLoss);
        }

        public void Evaluated(EvaluationResult e)
        {
            if (e.Classifier is { } c)
            {
                log.Information("MNIST FID {Fid:F2} (real-vs-real floor {FidFloor:F2}), class KL to uniform {Kl:F3}, smallest class share {MinShare:P1} ({Samples} samples)",
                    c.Fid, c.FidFloor, c.Classes.KlToUniform, c.Classes.MinShare, c.Samples);
            }

            if (e.Parzen is { } p)
            {
                log.Information("Parzen window log-likelihood {LogLikelihood:F1} ± {StandardError:F1} (sigma {Sigma:F3}, {Samples} samples)", p.MeanLogLikelihood, p.StandardError, p.Sigma, e.Samples);
            }

            if (e.ParzenValidation is { } v)
            {
                log.Information("Parzen window log-likelihood on the validation half {LogLikelihood:F1} ± {StandardError:F1}", v.MeanLogLikelihood, v.StandardError);
            }

            if (e.ParzenTrain is { } t)
            {
                log.Information("Parzen window log-likelihood on the last training digits (to choose recipes on) {LogLikelihood:F1} ± {StandardError:F1} (sigma {Sigma:F3})", t.MeanLogLikelihood, t.StandardError, t.Sigma);
            }

            if (e.ParzenWithoutAverage is { } live && e.ParzenValidationWithoutAverage is { } liveValidation)
            {
                log.Information("Without the weight average: Parzen window log-likelihood {LogLikelihood:F1} ± {StandardError:F1} (sigma {Sigma:F3}), validation half {Validation:F1}",
                    live.MeanLogLikelihood, live.StandardError, live.Sigma, liveValidation.MeanLogLikelihood);
            }

            if (e.Modes is { } m)
            {
                log.Information("Modes captured {Captured}/{Modes} ({WellCovered} with >= 20% of their share), high-quality samples {HighQuality:P1}, reverse KL {Kl:F3} ({Samples} samples)",
                    m.ModesCaptured, m.Modes, m.ModesWellCovered, m.HighQualityFraction, m.KlToUniform, e.Samples);
            }

            if (e.ModesWithoutAverage is { } liveModes)
            {
                log.Information("Without the weight average: modes captured {Captured}/{Modes} ({WellCovered} with >= 20% of their share), high-quality samples {HighQuality:P1}, reverse KL {Kl:F3}",
                    liveModes.ModesCaptured, liveModes.Modes, liveModes.ModesWellCovered, liveModes.HighQualityFraction, liveModes.KlToUniform);
            }
        }
    }
}
