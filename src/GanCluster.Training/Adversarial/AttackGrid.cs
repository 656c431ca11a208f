using GanCluster.Training.Data;
using GanCluster.Training.Models;
using GanCluster.Training.Output;
using GanCluster.Training.Runtime;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanCluster.Training.Adversarial;

/// <summary>One digit of the grid: its index in the attacked set, its label, and the class predicted clean and at each epsilon.</summary>
public sealed record GridExample(int Index, long Label, long CleanPrediction, IReadOnlyList<long> Predictions);

/// <summary>
/// The figure of an attack: one column per example (the first example of each class), rows: the clean digits, then
/// for each epsilon the perturbed digits and the difference (perturbed - clean) scaled so that mid-gray is 0,
/// white +epsilon and black -epsilon (a clipped pixel moved less and shows lighter or darker gray).
/// </summary>
public static class AttackGrid
{
    /// <summary>Writes the grid PNG to <paramref name="path"/> and returns the examples it shows.</summary>
    /// <remarks>With <paramref name="source"/>, the perturbations are crafted on it (a transfer attack) and the predictions are <paramref name="classifier"/>'s.</remarks>
    public static IReadOnlyList<GridExample> Save(
        Module<Tensor, Tensor> classifier, SampleSet data, IReadOnlyList<double> epsilons, string path, SampleRange input = SampleRange.UnitInterval,
        Module<Tensor, Tensor>? source = null, SampleRange sourceInput = SampleRange.UnitInterval)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(epsilons);
        long[] labels;
        using (var cpuLabels = data.Labels.cpu()) // held while its data is read
        {
            labels = cpuLabels.data<long>().ToArray();
        }

        var picks = Enumerable.Range(0, data.Classes)
            .Select(c => Array.IndexOf(labels, (long)c))
            .Where(i => i >= 0)
            .ToArray();
        if (picks.Length == 0)
        {
            throw new ArgumentException($"{data.Description}: no examples to show", nameof(data));
        }

        using var scope = NewDisposeScope();
        using var index = tensor(picks.Select(i => (long)i).ToArray());
        var x = data.Samples.cpu().index_select(0, index).to(float32);
        var y = data.Labels.cpu().index_select(0, index);
        var sign = source is null ? Fgsm.GradientSign(classifier, x, y, input) : Fgsm.GradientSign(source, x, y, sourceInput);
        var rows = new List<Tensor> { x };
        var clean = Fgsm.Predict(classifier, x, input).data<long>().ToArray();
        var predictions = picks.Select(_ => new List<long>()).ToArray();
        foreach (var epsilon in epsilons)
        {
            var perturbed = Fgsm.Apply(x, sign, epsilon);
            rows.Add(perturbed);
            var difference = epsilon > 0
                ? perturbed.sub(x).div(KeptScalars.Of(2 * epsilon)).add(KeptScalars.Of(0.5), KeptScalars.DefaultAlpha)
                : full_like(x, KeptScalars.Of(0.5));
            rows.Add(difference);
            var predicted = Fgsm.Predict(classifier, perturbed, input).data<long>().ToArray();
            for (var i = 0; i < picks.Length; i++)
            {
                predictions[i].Add(predicted[i]);
            }
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        SampleGrid.SavePng(cat(rows, 0), path, columns: picks.Length);
        return picks.Select((item, i) => new GridExample(item, labels[item], clean[i], predictions[i])).ToList();
    }
}
