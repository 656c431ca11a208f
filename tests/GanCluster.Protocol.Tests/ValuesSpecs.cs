namespace GanCluster.Protocol.Tests;

public sealed class ValuesSpecs
{
    [Theory]
    [InlineData("a")]
    [InlineData("exp-0a1b2c3d")]
    [InlineData("mlp-mnist-2026-11-26")]
    public void Experiment_id_accepts_lower_case_letters_digits_and_dashes(string value) =>
        Assert.Equal(value, new ExperimentId(value).Value);

    [Theory]
    [InlineData("")]
    [InlineData("Exp-1")]
    [InlineData("exp_1")]
    [InlineData("exp 1")]
    [InlineData("exp/1")]
    [InlineData("ëxp")]
    public void Experiment_id_rejects_other_characters(string value)
    {
        var error = Assert.Throws<ArgumentException>(() => new ExperimentId(value));
        Assert.Contains("lower-case letters, digits or dashes", error.Message);
    }

    [Fact]
    public void A_sweeps_children_are_experiment_ids_numbered_after_the_sweep()
    {
        var sweep = SweepId.New();

        Assert.Matches("^swp-[0-9a-f]{8}$", sweep.Value);
        Assert.Equal(new ExperimentId($"{sweep.Value}-07"), sweep.Child(7));
        Assert.Throws<ArgumentException>(() => new SweepId("Swp_1"));
        Assert.Throws<ArgumentException>(() => new SweepId(new string('a', 60)));
    }

    [Fact]
    public void Experiment_id_is_at_most_64_characters()
    {
        Assert.Equal(64, new ExperimentId(new string('a', 64)).Value.Length);
        Assert.Throws<ArgumentException>(() => new ExperimentId(new string('a', 65)));
        Assert.Throws<ArgumentException>(() => new ExperimentId(null!));
    }

    [Fact]
    public void New_experiment_ids_are_exp_and_eight_hex_digits_and_differ()
    {
        var ids = Enumerable.Range(0, 100).Select(_ => ExperimentId.New()).ToList();

        Assert.All(ids, id => Assert.Matches("^exp-[0-9a-f]{8}$", id.Value));
        Assert.Equal(100, ids.Distinct().Count());
    }

    [Theory]
    [InlineData(TensorDType.Float32, 4)]
    [InlineData(TensorDType.Float16, 2)]
    [InlineData(TensorDType.BFloat16, 2)]
    [InlineData(TensorDType.Int64, 8)]
    public void Element_sizes_follow_the_dtype(TensorDType dtype, int size) => Assert.Equal(size, TensorPayload.ElementSize(dtype));

    [Fact]
    public void Tensor_payload_accepts_data_of_exactly_its_shape()
    {
        var payload = new TensorPayload(TensorDType.Float32, [2, 3], new byte[24]);

        Assert.Equal(6, payload.ElementCount);
        Assert.Single(new TensorPayload(TensorDType.Int64, [], new byte[8]).Shape.Append(0));
        Assert.Empty(new TensorPayload(TensorDType.Float16, [0, 5], []).Data);
    }

    [Fact]
    public void Tensor_payload_with_the_wrong_byte_count_names_both_counts()
    {
        var error = Assert.Throws<ArgumentException>(() => new TensorPayload(TensorDType.Float32, [2, 3], new byte[23]));

        Assert.Contains("[2,3] needs 24 bytes", error.Message);
        Assert.Contains("got 23", error.Message);
    }

    [Fact]
    public void Tensor_payload_rejects_negative_and_overflowing_shapes()
    {
        Assert.Contains("negative dimension", Assert.Throws<ArgumentException>(() => new TensorPayload(TensorDType.Float32, [2, -3], new byte[24])).Message);
        Assert.Contains("64 bits", Assert.Throws<ArgumentException>(() => TensorPayload.ByteLength(TensorDType.Float32, [1L << 40, 1L << 40])).Message);
        Assert.Contains("2^63", Assert.Throws<ArgumentException>(() => TensorPayload.ByteLength(TensorDType.Int64, [1L << 61])).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => TensorPayload.ElementSize((TensorDType)9));
    }

    [Fact]
    public void Tensor_payloads_compare_by_content()
    {
        var a = new TensorPayload(TensorDType.Float32, [1, 2], [1, 2, 3, 4, 5, 6, 7, 8]);

        Assert.Equal(a, new TensorPayload(TensorDType.Float32, [1, 2], [1, 2, 3, 4, 5, 6, 7, 8]));
        Assert.NotEqual(a, new TensorPayload(TensorDType.Float32, [2, 1], [1, 2, 3, 4, 5, 6, 7, 8]));
        Assert.NotEqual(a, new TensorPayload(TensorDType.Float32, [1, 2], [1, 2, 3, 4, 5, 6, 7, 9]));
        Assert.NotEqual(a, new TensorPayload(TensorDType.Int64, [1], [1, 2, 3, 4, 5, 6, 7, 8]));
    }
}
