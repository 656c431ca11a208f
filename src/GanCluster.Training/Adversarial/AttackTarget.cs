using System.Text;
using GanCluster.Training.Core;
using GanCluster.Training.Families;
using GanCluster.Training.Metrics;
using GanCluster.Training.Models;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanCluster.Training.Adversarial;

/// <summary>A classifier to attack: a module mapping images to class logits, the range it reads, and where it came from.</summary>
/// <param name="Classifier">Maps [N, 1, 28, 28] images (in <paramref name="Input"/>) to logits [N, 10].</param>
/// <param name="Input">The range the classifier reads; <see cref="Fgsm"/> maps pixels in [0, 1] to it.</param>
/// <param name="Description">What it is, for the printout and the JSON result.</param>
/// <param name="Sha256">SHA-256 of the weights (or of the checkpoint) it was loaded from.</param>
/// <param name="Owner">What to dispose with it (the classifier itself when null).</param>
public sealed record AttackTarget(Module<Tensor, Tensor> Classifier, SampleRange Input, string Description, string Sha256, IDisposable? Owner = null) : IDisposable
{
    public void Dispose() => (Owner ?? Classifier).Dispose();
}

/// <summary>
/// Implemented by a GAN family whose discriminator (or a head of it) classifies digits, e.g. a semi-supervised GAN:
/// <c>gancluster attack</c> then accepts its checkpoints. The family returns its 10 class logits (not a K+1-th "fake"
/// logit) and the range its discriminator reads.
/// </summary>
public interface IDigitClassifierFamily
{
    /// <summary>
    /// The digit classifier held by <paramref name="checkpoint"/>'s discriminator half, read from <paramref name="origin"/>
    /// (a path, for the description) whose bytes hash to <paramref name="sha256"/>.
    /// </summary>
    AttackTarget Classifier(Checkpoint checkpoint, string origin, string sha256);
}

/// <summary>A target that is not a classifier this product can attack; the message names it and the fix.</summary>
public sealed class AttackTargetException(string message) : Exception(message);

/// <summary>Resolves what <c>gancluster attack</c> is given: "shipped", a classifier weights file, or a GAN checkpoint.</summary>
public static class AttackTargets
{
    /// <summary>The name that selects the evaluation classifier shipped inside this build.</summary>
    public const string Shipped = "shipped";

    private const string Expected =
        "expected 'shipped' (the evaluation classifier of this build), a weights file written by 'gancluster classifier train --out', "
        + "or a checkpoint of a GAN family whose discriminator classifies digits";

    private static readonly byte[] CheckpointMagic = "GANCKPT1"u8.ToArray();

    /// <summary>Loads <paramref name="target"/>; throws <see cref="AttackTargetException"/> for anything that is not a classifier.</summary>
    public static AttackTarget Load(string target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target == Shipped)
        {
            var shipped = MnistEvaluationClassifier.LoadShipped();
            return new AttackTarget(shipped.Network, SampleRange.UnitInterval, "the shipped MNIST evaluation classifier (CNN)", shipped.Sha256, shipped);
        }

        if (Directory.Exists(target))
        {
            throw new AttackTargetException($"{Path.GetFullPath(target)} is a directory; {Expected}");
        }

        if (!File.Exists(target))
        {
            throw new AttackTargetException($"{Path.GetFullPath(target)} does not exist; {Expected}");
        }

        var bytes = File.ReadAllBytes(target);
        var path = Path.GetFullPath(target);
        if (bytes.AsSpan().StartsWith(CheckpointMagic))
        {
            return FromCheckpoint(bytes, path);
        }

        if (ClassifierFile.Matches(bytes))
        {
            try
            {
                var (net, architecture) = ClassifierFile.FromBytes(bytes, path);
                return new AttackTarget(net, SampleRange.UnitInterval, $"MNIST classifier ({architecture}) {path}", Hashing.Sha256Hex(bytes));
            }
            catch (InvalidDataException e)
            {
                throw new AttackTargetException($"{e.Message}; {Expected}");
            }
        }

        try
        {
            var classifier = MnistEvaluationClassifier.FromWeights(bytes);
            return new AttackTarget(classifier.Network, SampleRange.UnitInterval, $"MNIST classifier (CNN) {path}", classifier.Sha256, classifier);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new AttackTargetException($"{path} is not a classifier weights file ({FirstLine(e.Message)}); {Expected}");
        }
    }

    private static AttackTarget FromCheckpoint(byte[] bytes, string path)
    {
        Checkpoint checkpoint;
        try
        {
            checkpoint = Checkpoint.FromBytes(bytes, path);
        }
        catch (CorruptCheckpointException e)
        {
            throw new AttackTargetException($"{e.Message}; {Expected}");
        }

        var model = checkpoint.Spec.Model;
        if (FamilyCatalog.Find(model) is IDigitClassifierFamily family)
        {
            return family.Classifier(checkpoint, path, Hashing.Sha256Hex(bytes));
        }

        var name = System.Text.Json.JsonSerializer.Serialize(model, Options.SpecJson.Options).Trim('"');
        throw new AttackTargetException(
            $"{path} is a checkpoint of a '{name}' GAN, whose discriminator says real or fake and does not classify digits; {Expected}");
    }

    private static string FirstLine(string message)
    {
        var line = message.Split('\n')[0].Trim();
        return line.Length > 200 ? new StringBuilder(line, 0, 200, 203).Append("...").ToString() : line;
    }
}
