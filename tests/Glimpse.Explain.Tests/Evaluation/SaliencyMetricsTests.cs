using Glimpse.Core.Evaluation;

namespace Glimpse.Explain.Tests.Evaluation;

/// <summary>Each metric on vectors small enough to work out by hand; the arithmetic is in the comments.</summary>
public class SaliencyMetricsTests
{
    private const int Digits = 12;
    private static readonly double[] Ramp = [1, 2, 3, 4];
    private static readonly double[] RightHalf = [0, 0, 1, 1];

    [Fact]
    public void Nss()
    {
        // mean 2.5; population variance ((1.5² + 0.5²)·2)/4 = 1.25; z = (v − 2.5)/√1.25.
        // Over the mask {3, 4}: (0.5 + 1.5)/2/√1.25 = 1/√1.25.
        Assert.Equal(1 / Math.Sqrt(1.25), SaliencyMetrics.Nss(Ramp, RightHalf), Digits);
        // Graded reference weights the z's: (1·0.5 + 3·1.5)/(1 + 3)/√1.25 = 1.25/√1.25 = √1.25.
        Assert.Equal(Math.Sqrt(1.25), SaliencyMetrics.Nss(Ramp, [0, 0, 1, 3]), Digits);
        // A constant map has no deviation to score (pysaliency leaves it unscaled: every z is 0).
        Assert.Equal(0, SaliencyMetrics.Nss([2, 2, 2, 2], RightHalf), Digits);
        Assert.True(double.IsNaN(SaliencyMetrics.Nss(Ramp, [0, 0, 0, 0])));
    }

    [Fact]
    public void Cc()
    {
        // deviations a = (−1.5, −0.5, 0.5, 1.5), b = (−0.5, −0.5, 0.5, 0.5); Σab = 0.75 + 0.25 + 0.25 + 0.75 = 2;
        // Σa² = 5, Σb² = 1 → 2/√5.
        Assert.Equal(2 / Math.Sqrt(5), SaliencyMetrics.Cc(Ramp, RightHalf), Digits);
        Assert.Equal(-2 / Math.Sqrt(5), SaliencyMetrics.Cc([4, 3, 2, 1], RightHalf), Digits);
        Assert.Equal(1, SaliencyMetrics.Cc(Ramp, [10, 20, 30, 40]), Digits);
        Assert.Equal(0, SaliencyMetrics.Cc([5, 5, 5, 5], RightHalf));
    }

    [Fact]
    public void Kld()
    {
        // map → (0.1, 0.2, 0.3, 0.4); reference → (0, 0, 0.5, 0.5); zero reference cells add 0·log(ε) = 0.
        // 0.5·ln(ε + 0.5/(ε + 0.3)) + 0.5·ln(ε + 0.5/(ε + 0.4)) = 0.5·ln(5/3) + 0.5·ln(1.25) = 0.3669845875…
        double expected = 0.5 * Math.Log(5.0 / 3) + 0.5 * Math.Log(1.25);
        Assert.Equal(expected, SaliencyMetrics.Kld(Ramp, RightHalf), 9);
        Assert.Equal(0.36698458755, SaliencyMetrics.Kld(Ramp, RightHalf), 9);
        // Identical distributions: Σ r·ln(ε + 1) ≈ ε, i.e. 0.
        Assert.Equal(0, SaliencyMetrics.Kld(Ramp, [2, 4, 6, 8]), 12);
        // A map with no mass where the reference has some pays ln(ε + r/ε) ≈ 36: the ε of the MIT code.
        Assert.Equal(Math.Log(SaliencyMetrics.KldEpsilon + 1 / SaliencyMetrics.KldEpsilon), SaliencyMetrics.Kld([1, 0], [0, 1]), 9);
    }

    [Fact]
    public void Sim()
    {
        // min((0.1, 0.2, 0.3, 0.4), (0, 0, 0.5, 0.5)) = (0, 0, 0.3, 0.4) → 0.7.
        Assert.Equal(0.7, SaliencyMetrics.Sim(Ramp, RightHalf), Digits);
        Assert.Equal(1, SaliencyMetrics.Sim(Ramp, [2, 4, 6, 8]), Digits);
        Assert.Equal(0, SaliencyMetrics.Sim([1, 1, 0, 0], RightHalf), Digits);
        // An all-zero map is uniform (0.25 each): min with (0, 0, 0.5, 0.5) = 0.25 + 0.25.
        Assert.Equal(0.5, SaliencyMetrics.Sim([0, 0, 0, 0], RightHalf), Digits);
    }

    [Fact]
    public void AucJudd()
    {
        // A perfect ranking: thresholds 4 (TPR ½, FPR 0) and 3 (TPR 1, FPR 0); (0,0)→(0,½)→(0,1)→(1,1) has area 1.
        Assert.Equal(1, SaliencyMetrics.AucJudd(Ramp, RightHalf), Digits);
        // map (4, 1, 3, 2), fixations at cells 2, 3 (values 3 and 2), others 4 and 1.
        // threshold 3: TPR ½, cells ≥ 3 that are not fixations: {4} → FPR ½. threshold 2: TPR 1, FPR ½ (still only 4).
        // (0,0)→(½,½): ½·(0+½)/2 = 0.125; (½,½)→(½,1): 0; (½,1)→(1,1): ½·(1+1)/2 = 0.5. Total 0.625.
        Assert.Equal(0.625, SaliencyMetrics.AucJudd([4, 1, 3, 2], RightHalf), Digits);
        // A constant map: one threshold taking everything, (0,0)→(1,1): 0.5, the chance level (the MIT code's jitter
        // gives the same in expectation).
        Assert.Equal(0.5, SaliencyMetrics.AucJudd([7, 7, 7, 7], RightHalf), Digits);
        // A graded reference's positives are the cells reaching half its maximum: 0.8 and 1 of (0.1, 0.2, 0.8, 1).
        Assert.Equal(1, SaliencyMetrics.AucJudd(Ramp, [0.1, 0.2, 0.8, 1.0]), Digits);
        Assert.True(double.IsNaN(SaliencyMetrics.AucJudd(Ramp, [0, 0, 0, 0])));
        Assert.Equal(1, SaliencyMetrics.AucJudd(Ramp, [1, 1, 1, 1]));
    }

    [Fact]
    public void Spearman()
    {
        // ranks of (10, 20, 20, 40) = (1, 2.5, 2.5, 4); of (1, 2, 3, 4) = (1, 2, 3, 4).
        // deviations (−1.5, 0, 0, 1.5) and (−1.5, −0.5, 0.5, 1.5): Σab = 4.5, Σa² = 4.5, Σb² = 5 → 4.5/√22.5.
        Assert.Equal(4.5 / Math.Sqrt(22.5), SaliencyMetrics.Spearman([10, 20, 20, 40], Ramp), Digits);
        // Monotone but not linear: ρ = 1 where CC < 1.
        Assert.Equal(1, SaliencyMetrics.Spearman([1, 10, 100, 1000], Ramp), Digits);
        Assert.Equal([3.5, 1, 3.5, 2], SaliencyMetrics.AverageRanks([3, 1, 3, 2]));
    }

    [Fact]
    public void PointingGame()
    {
        Assert.Equal(1, SaliencyMetrics.PointingGame(Ramp, RightHalf));          // maximum at cell 3, inside
        Assert.Equal(0, SaliencyMetrics.PointingGame([4, 1, 3, 2], RightHalf));  // maximum at cell 0, outside
        // Three cells share the maximum, one of them inside: the expected hit of a random pick, 1/3.
        Assert.Equal(1.0 / 3, SaliencyMetrics.PointingGame([4, 4, 4, 1], [1, 0, 0, 0]), Digits);
        // Graded reference (0.1, 0.6, 0.4, 1): positives reach 0.5 → cells 1 and 3; the maximum of (0, 5, 9, 1) is cell 2.
        Assert.Equal(0, SaliencyMetrics.PointingGame([0, 5, 9, 1], [0.1, 0.6, 0.4, 1]));
        Assert.Equal(1, SaliencyMetrics.PointingGame([0, 9, 5, 1], [0.1, 0.6, 0.4, 1]));
        Assert.True(double.IsNaN(SaliencyMetrics.PointingGame(Ramp, [0, 0, 0, 0])));
    }

    [Fact]
    public void MassInside()
    {
        // Mask fractions (0, 0.5, 1, 1): (1·0 + 2·0.5 + 3·1 + 4·1)/(1 + 2 + 3 + 4) = 8/10.
        Assert.Equal(0.8, SaliencyMetrics.MassInside(Ramp, [0, 0.5, 1, 1], ReferenceKind.Mask), Digits);
        // A graded map counts its positive cells (0.8 and 1 reach half of 1): (3 + 4)/10.
        Assert.Equal(0.7, SaliencyMetrics.MassInside(Ramp, [0.1, 0.2, 0.8, 1], ReferenceKind.Map), Digits);
        // Negative relevance is clipped: (−2, 0, 1, 1) counts as (0, 0, 1, 1) → 2/2.
        Assert.Equal(1, SaliencyMetrics.MassInside([-2, 0, 1, 1], RightHalf, ReferenceKind.Mask), Digits);
        Assert.True(double.IsNaN(SaliencyMetrics.MassInside([0, 0, 0, 0], RightHalf, ReferenceKind.Mask)));
    }

    [Fact]
    public void DistributionsShiftNegativeMapsAndMakeZeroMapsUniform()
    {
        Assert.Equal([0, 1], SaliencyMetrics.ToDistribution([-1, 1]));
        Assert.Equal([0.25, 0.25, 0.25, 0.25], SaliencyMetrics.ToDistribution([0, 0, 0, 0]));
        Assert.Equal([false, true, false, true], SaliencyMetrics.PositiveCells([0.1, 0.5, 0.49, 1]));
    }

    [Fact]
    public void MismatchedOrNonFiniteInputsAreRefused()
    {
        Assert.Throws<ArgumentException>(() => SaliencyMetrics.Cc([1, 2], [1, 2, 3]));
        Assert.Throws<ArgumentException>(() => SaliencyMetrics.Nss([], []));
        Assert.Throws<ArgumentException>(() => SaliencyMetrics.Sim([1, double.NaN], [1, 2]));
    }
}
