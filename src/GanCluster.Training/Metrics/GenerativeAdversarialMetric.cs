using System.Text.Json.Serialization;

namespace GanCluster.Training.Metrics;

/// <summary>Who the generative adversarial metric puts ahead.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<GamVerdict>))]
public enum GamVerdict
{
    /// <summary>r_sample &lt; 1 with r_test within the tolerance of 1: A's G fools B's D more than B's G fools A's D.</summary>
    [JsonStringEnumMemberName("a")] A,
    /// <summary>r_sample &gt; 1 with r_test within the tolerance of 1.</summary>
    [JsonStringEnumMemberName("b")] B,
    /// <summary>r_sample = 1 with r_test within the tolerance of 1.</summary>
    [JsonStringEnumMemberName("tie")] Tie,
    /// <summary>r_test too far from 1 (or undefined): the discriminators differ on real data, so their errors on samples cannot be compared.</summary>
    [JsonStringEnumMemberName("undecided")] Undecided,
}

/// <summary>
/// One GAM comparison. Errors are fractions of misclassified inputs: a real digit is misclassified when D scores it below
/// the real/fake boundary, a sample when D scores it at or above it. The ratios are null when their denominator is 0 and
/// their numerator is not (1 when both are 0).
/// </summary>
/// <param name="TestErrorA">err(D_A on the held-out real digits).</param>
/// <param name="TestErrorB">err(D_B on the same digits).</param>
/// <param name="SampleErrorA">err(D_A on samples of G_B).</param>
/// <param name="SampleErrorB">err(D_B on samples of G_A).</param>
/// <param name="RTest">err(D_A on test) / err(D_B on test).</param>
/// <param name="RSample">err(D_A on G_B's samples) / err(D_B on G_A's samples).</param>
/// <param name="Tolerance">How far from 1 r_test may be for a verdict.</param>
public sealed record GamResult(
    double TestErrorA, double TestErrorB, double SampleErrorA, double SampleErrorB, double? RTest, double? RSample, double Tolerance, GamVerdict Verdict);

/// <summary>
/// The generative adversarial metric of Im, Kim, Jiang and Memisevic (2016, section 5): two GANs (G_A, D_A) and (G_B, D_B)
/// swap discriminators. r_test = err(D_A; x_test) / err(D_B; x_test) checks that the two discriminators are equally good
/// judges of real data; r_sample = err(D_A; G_B(z)) / err(D_B; G_A(z)) then says whose generator fools the other's
/// discriminator more: A wins when r_sample &lt; 1 and r_test ≈ 1, B when r_sample &gt; 1 and r_test ≈ 1. The paper
/// leaves "≈" informal; here it is |r_test - 1| &lt;= <see cref="DefaultTolerance"/> unless the caller gives another.
/// </summary>
public static class GenerativeAdversarialMetric
{
    /// <summary>
    /// Default largest |r_test - 1| for a verdict: 0.1, i.e. the two discriminators' error rates on the held-out digits
    /// within 10% of each other.
    /// </summary>
    public const double DefaultTolerance = 0.1;

    /// <summary>
    /// The fraction of <paramref name="scores"/> (D's raw scores, logits: D(x) = sigmoid(score)) on the wrong side of 0:
    /// below 0 for real inputs (D(x) &lt; 1/2), at or above 0 for generated ones. 0 for no scores.
    /// </summary>
    public static double Error(ReadOnlySpan<float> scores, bool real)
    {
        if (scores.IsEmpty)
        {
            return 0;
        }

        var wrong = 0;
        foreach (var score in scores)
        {
            if (float.IsNaN(score))
            {
                throw new ArgumentException("scores: a discriminator score is NaN; the checkpoint is diverged");
            }

            wrong += (real ? score < 0 : score >= 0) ? 1 : 0;
        }

        return (double)wrong / scores.Length;
    }

    /// <summary>numerator / denominator; 1 when both are 0; null when only the denominator is.</summary>
    public static double? Ratio(double numerator, double denominator) =>
        denominator != 0 ? numerator / denominator : numerator == 0 ? 1 : null;

    /// <summary>The ratios and the verdict from the four error rates (each in [0, 1]).</summary>
    public static GamResult Compare(double testErrorA, double testErrorB, double sampleErrorA, double sampleErrorB, double tolerance = DefaultTolerance)
    {
        foreach (var (value, name) in new[] { (testErrorA, nameof(testErrorA)), (testErrorB, nameof(testErrorB)), (sampleErrorA, nameof(sampleErrorA)), (sampleErrorB, nameof(sampleErrorB)) })
        {
            if (value is not (>= 0 and <= 1))
            {
                throw new ArgumentOutOfRangeException(name, value, "an error rate is in [0, 1]");
            }
        }

        if (tolerance is not (>= 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "tolerance: |r_test - 1| bound in [0, 1)");
        }

        var rTest = Ratio(testErrorA, testErrorB);
        var rSample = Ratio(sampleErrorA, sampleErrorB);

        // r_sample compared with 1 through its errors, so that a zero denominator (r_sample "infinite") still decides.
        var verdict = rTest is not { } r || Math.Abs(r - 1) > tolerance ? GamVerdict.Undecided
            : sampleErrorA < sampleErrorB ? GamVerdict.A
            : sampleErrorA > sampleErrorB ? GamVerdict.B
            : GamVerdict.Tie;
        return new GamResult(testErrorA, testErrorB, sampleErrorA, sampleErrorB, rTest, rSample, tolerance, verdict);
    }
}
