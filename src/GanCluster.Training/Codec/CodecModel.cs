using System.Security.Cryptography;
using System.Text;
using GanCluster.Training.Core;
using GanCluster.Training.Data;
using GanCluster.Training.Families;
using GanCluster.Training.Options;
using GanCluster.Training.Runtime;
using static TorchSharp.torch;

namespace GanCluster.Training.Codec;

/// <summary>
/// A trained codec on the CPU: the encoder (the generator half's network) and the decoder (the discriminator half's),
/// in eval mode, with the SHA-256 of their weights (<see cref="Hash"/>) that a .gcz file names. Encodes images in
/// [0, 1] to packed fixed-width codes (1 bit per value, MSB first, image after image) and decodes them back.
/// </summary>
public sealed class CodecModel : IDisposable
{
    private readonly bool _owns;

    public CodecModel(CodecEncoder encoder, CodecDecoder decoder, bool ownsNetworks = false)
    {
        if (encoder.Bits != decoder.Bits)
        {
            throw new ArgumentException($"codec: the encoder codes {encoder.Bits} bits, the decoder reads {decoder.Bits}");
        }

        Encoder = encoder;
        Decoder = decoder;
        _owns = ownsNetworks;
        Hash = WeightsHash(encoder, decoder);
    }

    public CodecEncoder Encoder { get; }

    public CodecDecoder Decoder { get; }

    /// <summary>Bits per image.</summary>
    public int Bits => Encoder.Bits;

    /// <summary>Bytes per image of the packed codes.</summary>
    public int BytesPerImage => Bits / 8;

    /// <summary>SHA-256 over the names and bytes of both networks' parameters and buffers, in their registration order.</summary>
    public byte[] Hash { get; }

    /// <summary>The .gcz header for <paramref name="count"/> images coded by this model.</summary>
    public GczHeader Header(int count) => new(Hash, count, 28, 28, CodecFamily.Rows, Bits / CodecFamily.Rows);

    /// <summary>The codec of a checkpoint of model codec (both halves restored on the CPU).</summary>
    public static CodecModel FromCheckpoint(Checkpoint checkpoint, string origin)
    {
        if (checkpoint.Spec.Model != ModelKind.Codec)
        {
            throw new ArgumentException($"--model: {origin} is a checkpoint of model {FamilyCatalog.Name(checkpoint.Spec.Model)}, not codec; give a checkpoint of a codec run (e.g. preset codec-mnist)");
        }

        using var generator = GeneratorHalf.Restore(checkpoint.Spec, CPU, checkpoint.Generator);
        var (train, heldOut) = DatasetCatalog.Load(checkpoint.Spec);
        heldOut.Dispose();
        using (train)
        using (var discriminator = new DiscriminatorHalf(checkpoint.Spec, CPU, train))
        {
            discriminator.LoadState(checkpoint.Discriminator);
            var encoder = new CodecEncoder(checkpoint.Spec.Codec.Bits);
            var decoder = new CodecDecoder(checkpoint.Spec.Codec.Bits);
            encoder.load_state_dict(generator.Network.state_dict());
            decoder.load_state_dict(discriminator.Network.state_dict());
            encoder.eval();
            decoder.eval();
            return new CodecModel(encoder, decoder, ownsNetworks: true);
        }
    }

    /// <summary>Packed codes of images [N, 1, 28, 28] in [0, 1]: N * bits / 8 bytes.</summary>
    public byte[] Encode(Tensor images)
    {
        var n = (int)images.shape[0];
        var packed = new byte[n * BytesPerImage];
        using var noGrad = no_grad();
        var mode = Encoder.training;
        Encoder.eval();
        try
        {
            for (var start = 0; start < n; start += 500)
            {
                using var scope = NewDisposeScope();
                var length = Math.Min(500, n - start);
                var x = images.narrow(0, start, length).to(CPU).to(ScalarType.Float32).ToSymmetric();
                var ones = Encoder.Encode(x.to(Device)).reshape(length, Bits).gt(KeptScalars.Of(0)).to(ScalarType.Byte).cpu();
                var bits = ones.data<byte>().ToArray();
                for (var i = 0; i < bits.Length; i++)
                {
                    if (bits[i] != 0)
                    {
                        var bit = ((long)start * Bits) + i;
                        packed[bit >> 3] |= (byte)(0x80 >> (int)(bit & 7));
                    }
                }
            }
        }
        finally
        {
            Encoder.train(mode);
        }

        return packed;
    }

    /// <summary>Images [count, 1, 28, 28] in [0, 1] (CPU) decoded from <paramref name="packed"/> codes (<see cref="Encode"/>'s layout).</summary>
    public Tensor Decode(ReadOnlySpan<byte> packed, int count)
    {
        if (packed.Length != (long)count * BytesPerImage)
        {
            throw new ArgumentException($"codes: {count} images of {Bits} bits need {(long)count * BytesPerImage} bytes; got {packed.Length}");
        }

        var values = new float[count * Bits];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (packed[i >> 3] & (0x80 >> (i & 7))) != 0 ? 1f : -1f;
        }

        using var noGrad = no_grad();
        var mode = Decoder.training;
        Decoder.eval();
        try
        {
            using var scope = NewDisposeScope();
            var parts = new List<Tensor>();
            var codes = tensor(values, new long[] { count, Bits }).to(Device);
            for (var start = 0; start < count; start += 500)
            {
                var length = Math.Min(500, count - start);
                parts.Add(Decoder.Decode(codes.narrow(0, start, length)).add(KeptScalars.One, KeptScalars.DefaultAlpha).div(KeptScalars.Two).clamp(KeptScalars.Of(0), KeptScalars.One).cpu());
            }

            return (parts.Count == 0 ? zeros(0, 1, 28, 28) : cat(parts, 0)).MoveToOuterDisposeScope();
        }
        finally
        {
            Decoder.train(mode);
        }
    }

    private Device Device => Encoder.parameters().First().device;

    private static byte[] WeightsHash(params TorchSharp.torch.nn.Module[] networks)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var network in networks)
        {
            foreach (var (name, value) in network.state_dict())
            {
                sha.AppendData(Encoding.UTF8.GetBytes(name));
                using var contiguous = value.detach().cpu().contiguous();
                sha.AppendData(contiguous.bytes);
            }
        }

        return sha.GetHashAndReset();
    }

    public void Dispose()
    {
        if (_owns)
        {
            Encoder.Dispose();
            Decoder.Dispose();
        }
    }
}
