using Glimpse.Core.Methods;
using Glimpse.Core.Rendering;

namespace Glimpse.Explain.Tests.Rendering;

public class MapNormalizerTests
{
    private static void Equal(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-12);
    }

    [Fact]
    public void MinMaxIsLinearFromLowestToHighest() =>
        Equal([0, 0.25, 0.5, 1], MapNormalizer.Normalize([2, 4, 6, 10], MapNormalization.MinMax));

    [Fact]
    public void MinMaxIsTheDefault() => Assert.Equal(MapNormalization.MinMax, default(MapNormalization));

    [Fact]
    public void PercentileClipsBelowTheFirstAndAboveTheNinetyNinth()
    {
        // 0 … 100: NumPy's linear percentiles are exactly 1 and 99, so v ↦ (v − 1) / 98, clipped.
        double[] values = Enumerable.Range(0, 101).Select(v => (double)v).ToArray();
        double[] normalized = MapNormalizer.Normalize(values, MapNormalization.Percentile);
        Assert.Equal(0, normalized[0]);
        Assert.Equal(0, normalized[1]);
        Assert.Equal(49.0 / 98, normalized[50], 1e-12);
        Assert.Equal(1, normalized[99]);
        Assert.Equal(1, normalized[100]);
        Assert.Equal((1.0, 99.0), MapNormalizer.ValueRange(values, MapNormalization.Percentile));
    }

    [Fact]
    public void PercentileInterpolatesBetweenOrderStatistics()
    {
        // Five values: the 1st percentile sits at 0.04 of the way from 0 to 10, the 99th at 0.96 from 30 to 1000.
        double[] values = [10, 0, 1000, 20, 30];
        var (low, high) = MapNormalizer.ValueRange(values, MapNormalization.Percentile);
        Assert.Equal(0.4, low, 1e-12);
        Assert.Equal(30 + 0.96 * 970, high, 1e-9);
        double[] normalized = MapNormalizer.Normalize(values, MapNormalization.Percentile);
        Assert.Equal(0, normalized[1]);
        Assert.Equal(1, normalized[2]);
        Assert.Equal((20 - low) / (high - low), normalized[3], 1e-12);
    }

    [Fact]
    public void PercentileOfAnAlmostConstantMapIsAStep()
    {
        // 199 zeros and one 5: both percentiles are 0, the one token above them is 1.
        double[] values = new double[200];
        values[17] = 5;
        double[] normalized = MapNormalizer.Normalize(values, MapNormalization.Percentile);
        Assert.Equal(1, normalized[17]);
        Assert.Equal(199, normalized.Count(v => v == 0));
    }

    [Fact]
    public void RankCountsStrictlyLowerValuesAndTiesShareTheLowestRank()
    {
        // Strictly lower: 10 → 0, 20 → 1 (both), 30 → 3; the highest rank (3) becomes 1.
        Equal([0, 1, 1.0 / 3, 1.0 / 3], MapNormalizer.Normalize([10, 30, 20, 20], MapNormalization.Rank));
        // A mostly-zero map keeps its zeros at 0 and its tied maxima at 1 (3 has two lower, the 7s three).
        Equal([0, 0, 1, 1, 2.0 / 3], MapNormalizer.Normalize([0, 0, 7, 7, 3], MapNormalization.Rank));
        // Rank ignores the scale entirely.
        Equal(MapNormalizer.Normalize([1, 2, 3, 4], MapNormalization.Rank), MapNormalizer.Normalize([1e-9, 5, 6, 1e9], MapNormalization.Rank));
    }

    [Theory]
    [InlineData(MapNormalization.MinMax)]
    [InlineData(MapNormalization.Percentile)]
    [InlineData(MapNormalization.Rank)]
    public void AConstantMapIsAllZero(MapNormalization mode)
    {
        Equal([0, 0, 0, 0, 0], MapNormalizer.Normalize([3.5, 3.5, 3.5, 3.5, 3.5], mode));
        Equal([0], MapNormalizer.Normalize([-2], mode));
        Assert.Empty(MapNormalizer.Normalize([], mode));
    }

    [Theory]
    [InlineData(MapNormalization.MinMax)]
    [InlineData(MapNormalization.Percentile)]
    [InlineData(MapNormalization.Rank)]
    public void NonFiniteValuesBecomeZeroAndDoNotStretchTheScale(MapNormalization mode)
    {
        double[] normalized = MapNormalizer.Normalize([double.NaN, 1, double.PositiveInfinity, 3, double.NegativeInfinity], mode);
        Assert.All(normalized, v => Assert.True(v is >= 0 and <= 1));
        Assert.Equal(0, normalized[0]);
        Assert.Equal(0, normalized[2]);
        Assert.Equal(0, normalized[4]);
        Assert.Equal(0, normalized[1]);
        Assert.Equal(1, normalized[3]);
    }

    [Theory]
    [InlineData(MapNormalization.MinMax)]
    [InlineData(MapNormalization.Percentile)]
    [InlineData(MapNormalization.Rank)]
    public void RandomMapsLandInTheUnitIntervalAndKeepTheirOrder(MapNormalization mode)
    {
        var random = new Random(7);
        double[] values = Enumerable.Range(0, 576).Select(_ => random.NextDouble() * 1e-3 - 2e-4).ToArray();
        double[] normalized = MapNormalizer.Normalize(values, mode);
        Assert.All(normalized, v => Assert.True(v is >= 0 and <= 1));
        int[] order = Enumerable.Range(0, values.Length).OrderBy(i => values[i]).ToArray();
        for (int k = 1; k < order.Length; k++) Assert.True(normalized[order[k]] >= normalized[order[k - 1]]);
        Assert.Equal(1, normalized.Max(), 1e-12);
    }
}
