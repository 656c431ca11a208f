using GanCluster.Training.Data;
using GanCluster.Training.Families;
using static TorchSharp.torch;

namespace GanCluster.Training.Codec;

/// <summary>The codec's figure in evaluation.json.</summary>
/// <param name="Count">Held-out digits coded.</param>
/// <param name="Bits">Bits per image of the code.</param>
/// <param name="BytesPerImage">Size of the .gcz file of all <paramref name="Count"/> digits divided by the count (header included).</param>
/// <param name="Psnr">PSNR in dB from the mean squared error over the held-out digits, pixels in [0, 1].</param>
/// <param name="Ssim">Mean SSIM (11x11 Gaussian window) over the held-out digits.</param>
/// <param name="TrainPsnr">The same PSNR on as many training digits (the first ones): the figure to compare recipes on.</param>
public sealed record CodecResult(int Count, int Bits, double BytesPerImage, double Psnr, double Ssim, double TrainPsnr);

/// <summary>Codes the held-out digits through the encoder and decoder as <c>gancluster compress</c> would, and measures them.</summary>
public static class CodecEvaluation
{
    public static CodecResult Evaluate(CodecEncoder encoder, CodecDecoder decoder, SampleSet train, SampleSet heldOut)
    {
        var model = new CodecModel(encoder, decoder);
        var (psnr, ssim, bytes) = Measure(model, heldOut.Samples);
        var count = (int)heldOut.Samples.shape[0];
        using var trainDigits = train.Samples.narrow(0, 0, Math.Min(count, (int)train.Samples.shape[0])); // held until Measure returns
        var (trainPsnr, _, _) = Measure(model, trainDigits, ssim: false);
        return new CodecResult(count, model.Bits, bytes, psnr, ssim, trainPsnr);
    }

    /// <summary>PSNR, SSIM (NaN when not asked) and the .gcz file's bytes per image for images [N, 1, 28, 28] in [0, 1].</summary>
    public static (double Psnr, double Ssim, double BytesPerImage) Measure(CodecModel model, Tensor images, bool ssim = true)
    {
        using var scope = NewDisposeScope();
        var count = (int)images.shape[0];
        var file = GczFile.Write(model.Header(count), model.Encode(images));
        var reconstructed = model.Decode(GczFile.Read(file, "the evaluation's codes").Codes.Span, count).contiguous().data<float>().ToArray();
        var original = images.cpu().to(ScalarType.Float32).contiguous().data<float>().ToArray();
        return (ImageQuality.Psnr(original, reconstructed), ssim ? ImageQuality.Ssim(original, reconstructed, count, 28, 28) : double.NaN, (double)file.Length / Math.Max(1, count));
    }
}
