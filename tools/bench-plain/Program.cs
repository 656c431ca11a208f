using System.Diagnostics;
using GanCluster.Training.Core;
using GanCluster.Training.Data;
using GanCluster.Training.Families;
using GanCluster.Training.Models;
using GanCluster.Training.Options;
using TorchSharp;
using static TorchSharp.torch;

// Usage: bench-plain [preset] [repeats]; prints steps/s of both, interleaved so that both see the same load.
var spec = Presets.Resolve(args.Length > 0 ? args[0] : "mlp-mnist");
var repeats = args.Length > 1 ? int.Parse(args[1]) : 5;
var batch = spec.BatchSize;
var product = new List<double>();
var plain = new List<double>();
var (train, held) = DatasetCatalog.Load(spec);
Console.WriteLine($"threads {torch.get_num_threads()}");
for (int rep = 0; rep < repeats; rep++)
{
    // 1. the product's local trainer
    using (var trainer = new LocalTrainer(spec, train, CPU))
    {
        for (int i = 0; i < 10; i++) trainer.RunRound();
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < 60; i++) trainer.RunRound();
        product.Add(60 / sw.Elapsed.TotalSeconds);
    }
    // 2. a plain loop of the same modules
    torch.manual_seed(1);
    var g = FamilyCatalog.CreateGenerator(spec); var d = FamilyCatalog.CreateDiscriminator(spec);
    var og = (torch.optim.Optimizer)torch.optim.Adam(g.parameters(), 2e-4, 0.5, 0.999); var od = torch.optim.Adam(d.parameters(), 2e-4, 0.5, 0.999);
    var sampler = new BatchSampler(train, 3);
    void Step()
    {
        using var scope = NewDisposeScope();
        var (real, _) = sampler.Next(batch);
        var fake = g.call(randn(batch, spec.LatentSize), null);
        if (spec.Model == ModelKind.Dcgan) { real = real.to(float32); real = nn.functional.interpolate(real, new long[] { spec.ImageSize, spec.ImageSize }, mode: InterpolationMode.Bilinear) * 2 - 1; }
        var lossD = nn.functional.softplus(-d.call(real, null)).mean() + nn.functional.softplus(d.call(fake.detach(), null)).mean();
        od.zero_grad(); lossD.backward(); od.step();
        var fake2 = g.call(randn(batch, spec.LatentSize), null);
        var lossG = nn.functional.softplus(-d.call(fake2, null)).mean();
        og.zero_grad(); lossG.backward(); og.step();
        lossD.item<float>(); lossG.item<float>();
    }
    for (int i = 0; i < 10; i++) Step();
    var sw2 = Stopwatch.StartNew();
    for (int i = 0; i < 60; i++) Step();
    plain.Add(60 / sw2.Elapsed.TotalSeconds);
}

static string Stats(List<double> v) { var s = v.Order().ToList(); return $"min {s[0]:F2}  median {s[s.Count / 2]:F2}  max {s[^1]:F2}"; }
Console.WriteLine($"{spec.Name}: LocalTrainer {Stats(product)} steps/s");
Console.WriteLine($"{spec.Name}: plain loop   {Stats(plain)} steps/s");
Console.WriteLine($"{spec.Name}: LocalTrainer / plain (medians) {product.Order().ElementAt(product.Count / 2) / plain.Order().ElementAt(plain.Count / 2):F3}");
