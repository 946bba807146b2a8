using Glimpse.Core.Images;
using Glimpse.Core.Methods;
using Glimpse.Core.Rendering;
using Glimpse.Core.Results;
using Glimpse.Explain.Tests.Report;

namespace Glimpse.Explain.Tests.Rendering;

/// <summary>One map over the original from any number of grids: densities summed, mass kept, grids shown alone.</summary>
public class MapComposerTests
{
    private static double[] Random(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => random.NextDouble()).ToArray();
    }

    [Theory]
    [InlineData(5, 4)]
    [InlineData(7, 3)]
    [InlineData(48, 40)]
    public void OneGridIntegratesToItsTokensTotalOnAnyGrid(int width, int height)
    {
        // The sample's LLaVA crop: every cell lies on the original, cut at the image's edges only by the crop.
        var map = new ImageTokenMap(SampleResults.Layout, Random(16, 1));
        double[] cells = MapComposer.BoxIntegral(map, width, height);
        Assert.Equal(map.Values.Sum(), cells.Sum(), 12);
    }

    [Fact]
    public void ACellPartlyInPaddingKeepsItsValueAndOneWhollyInPaddingHasNone()
    {
        // A 32 × 24 photo centred on a 32 × 32 square canvas (4 rows of padding above and below), 4 × 4 cells of 8 px:
        // rows 0 and 3 are half padding. Then a 32 × 16 photo (8 rows of padding each side): rows 0 and 3 are all padding.
        var half = SampleResults.GridMap(4, 4, Random(16, 2),
            new ImageGeometry(new PixelSize(32, 24), new PixelSize(32, 32), new PixelRect(0, 4, 32, 24), new PixelSize(32, 32), new PixelRect(0, 0, 32, 32)));
        Assert.Equal(half.Values.Sum(), MapComposer.BoxIntegral(half, 4, 3).Sum(), 12);

        var whole = SampleResults.GridMap(4, 4, Random(16, 3),
            new ImageGeometry(new PixelSize(32, 16), new PixelSize(32, 32), new PixelRect(0, 8, 32, 16), new PixelSize(32, 32), new PixelRect(0, 0, 32, 32)));
        double[] cells = MapComposer.BoxIntegral(whole, 4, 2);
        Assert.Equal(whole.Values.Skip(4).Take(8).Sum(), cells.Sum(), 12);
        // Each original cell is exactly one token's: row 1 of the tokens is row 0 of the photo.
        Assert.Equal(whole.Values[4..12], cells, new ToleranceComparer(1e-12));
    }

    [Theory]
    [InlineData(5)]    // tile (1, 2), cell (0, 1): original rows 0–9, columns 36–47
    [InlineData(14)]   // tile (2, 2), cell (1, 0): rows 30–39, columns 24–35
    [InlineData(16)]   // global, cell (0, 0): rows 0–19, columns 0–23
    [InlineData(19)]   // global, cell (1, 1): rows 20–39, columns 24–47
    public void AnIdefics3TokenLightsExactlyItsCellOnTheOriginal(int token)
    {
        // The real layout of the Idefics3 reference image (40×48, four tiles and the global image); one pixel per cell.
        using var reference = Glimpse.Model.Tests.ReferenceSet.Idefics3();
        var layout = SubjectFactory.Idefics3Layout(reference);
        var rect = reference["layout.rect_original"][token].to(TorchSharp.torch.float64).data<double>().ToArray();   // [y0, x0, y1, x1]
        var oneHot = new double[layout.TokenCount];
        oneHot[token] = 1;
        double[] pixels = MapComposer.BoxIntegral(new ImageTokenMap(layout, oneHot), 48, 40);
        double area = (rect[2] - rect[0]) * (rect[3] - rect[1]);
        for (int y = 0; y < 40; y++)
            for (int x = 0; x < 48; x++)
            {
                bool inside = y >= rect[0] && y < rect[2] && x >= rect[1] && x < rect[3];
                Assert.Equal(inside ? 1 / area : 0, pixels[y * 48 + x], 12);
            }
        // The display form lights the same pixels (and only them) at their centres, for the cell's interior.
        var field = MapComposer.Field(new ImageTokenMap(layout, oneHot));
        Assert.True(field.ValueAt(new ImagePoint((rect[1] + rect[3]) / 2, (rect[0] + rect[2]) / 2)) > 0);
    }

    [Fact]
    public void TwoOverlappingGridsOfDifferentCellSizesIntegrateToAllTheirTokens()
    {
        // A coarse base grid over the whole photo and a finer grid over its left half, plus a CLS token with no cell.
        var layout = SampleResults.TwoGrids(leadingUnplaced: 1);
        var values = Random(layout.TokenCount, 4);
        values[0] = 100;
        var map = new ImageTokenMap(layout, values);
        double placed = values.Skip(1).Sum();
        foreach (var (width, height) in new[] { (1, 1), (5, 7), (12, 10), (48, 40), MapComposer.ComposedSize(layout) })
            Assert.Equal(placed, MapComposer.BoxIntegral(map, width, height).Sum(), 10);
        Assert.Equal((12, 10), MapComposer.ComposedSize(layout));

        // A token's value spreads over its cell's area only: the base's top-left token fills the top-left 8 × 8 pixels,
        // the high-res grid's top-left token the top-left 4 × 4.
        var baseOnly = new double[layout.TokenCount];
        baseOnly[1] = 1;
        double[] base8 = MapComposer.BoxIntegral(new ImageTokenMap(layout, baseOnly), 6, 5);
        Assert.Equal(1, base8[0], 12);
        Assert.Equal(0, base8.Skip(1).Sum(), 12);
        var fineOnly = new double[layout.TokenCount];
        fineOnly[31] = 1;
        double[] fine4 = MapComposer.BoxIntegral(new ImageTokenMap(layout, fineOnly), 12, 10);
        Assert.Equal(1, fine4[0], 12);
        Assert.Equal(0, fine4.Skip(1).Sum(), 12);
    }

    [Fact]
    public void TheComposedDisplayIsTheSumOfEachGridAloneAndAGridCoversOnlyItsExtent()
    {
        var layout = SampleResults.TwoGrids();
        var map = new ImageTokenMap(layout, Random(layout.TokenCount, 5));
        var composed = MapComposer.Field(map);
        var baseAlone = MapComposer.Field(map, onlyGrid: 0);
        var highResAlone = MapComposer.Field(map, onlyGrid: 1);
        for (int y = 0; y < 40; y += 3)
        {
            for (int x = 0; x < 48; x += 5)
            {
                var centre = new ImagePoint(x + 0.5, y + 0.5);
                double coarse = baseAlone.ValueAt(centre), fine = highResAlone.ValueAt(centre);
                Assert.True(coarse > 0);
                // The high-res grid covers the left half only (its values are all positive, so 0 means "not there").
                Assert.Equal(x < 24, fine > 0);
                Assert.Equal(coarse + fine, composed.ValueAt(centre), 12);
            }
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => MapComposer.Field(map, onlyGrid: 2));
    }

    [Fact]
    public void ForOneGridTheDisplayAtACellCentreIsTheTokensOwnValue()
    {
        // So colours, legends and eval's comparison grid mean for a single grid what they meant before layouts.
        var map = new ImageTokenMap(SampleResults.Layout, Random(16, 6));
        var field = MapComposer.Field(map);
        Assert.Equal(map.Values, field.CellCentreValues, new ToleranceComparer(1e-12));
        var (low, high) = field.ValueRange(MapNormalization.Percentile);
        var expected = MapNormalizer.ValueRange(map.Values, MapNormalization.Percentile);
        Assert.Equal(expected.Low, low, 12);
        Assert.Equal(expected.High, high, 12);
    }

    [Fact]
    public void AnUnplacedTokenIsNeverDrawn()
    {
        var photo = SampleResults.Photo();
        var values = Random(16, 7);
        var withCls = new ImageTokenMap(SampleResults.Layout.WithLeadingUnplaced(1), [1000, .. values]);
        var without = new ImageTokenMap(SampleResults.Layout, values);
        Assert.Equal(HeatmapRenderer.OverlayPng(photo, without, MapNormalization.MinMax), HeatmapRenderer.OverlayPng(photo, withCls, MapNormalization.MinMax));
        Assert.Equal(HeatmapRenderer.HeatmapPng(without, MapNormalization.MinMax), HeatmapRenderer.HeatmapPng(withCls, MapNormalization.MinMax));
    }

    [Fact]
    public void RankNormalisationPlacesValuesBetweenSamplesBetweenTheirRanks()
    {
        var normalize = MapNormalizer.Fit([0, 1, 1, 3], MapNormalization.Rank);
        // Min-ranks 0, 1, 1, 3 over the highest 3: the samples keep Normalize's values, values between them interpolate.
        Assert.Equal([0, 1 / 3.0, 1 / 3.0, 1], new[] { 0.0, 1, 1, 3 }.Select(normalize), new ToleranceComparer(1e-12));
        Assert.Equal(MapNormalizer.Normalize([0, 1, 1, 3], MapNormalization.Rank), new[] { 0.0, 1, 1, 3 }.Select(normalize), new ToleranceComparer(1e-12));
        Assert.Equal(2 / 3.0, normalize(2), 12);
        Assert.Equal(0, normalize(-5));
        Assert.Equal(1, normalize(7));
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(double value) => 0;
    }
}
