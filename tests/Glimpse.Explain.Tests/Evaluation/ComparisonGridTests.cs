using Glimpse.Core.Evaluation;
using Glimpse.Core.Images;
using Glimpse.Core.Results;
using Glimpse.Explain.Tests.Report;

namespace Glimpse.Explain.Tests.Evaluation;

/// <summary>Maps and references onto the 14 × 14 grid over the original image.</summary>
public class ComparisonGridTests
{
    private static readonly ComparisonGrid Grid = ComparisonGrid.Default;

    [Fact]
    public void AMaskBecomesTheCoveredFractionOfEachCell()
    {
        // 28 × 28, left half inside: 2 × 2 pixels a cell, columns 0–6 fully inside.
        var mask = new ReferenceImage(28, 28, Enumerable.Range(0, 28 * 28).Select(i => i % 28 < 14 ? 1.0 : 0.0).ToArray(), ReferenceKind.Mask);
        double[] cells = Grid.FromReference(mask);
        for (int r = 0; r < 14; r++)
            for (int c = 0; c < 14; c++)
                Assert.Equal(c < 7 ? 1 : 0, cells[r * 14 + c]);
    }

    [Fact]
    public void PartialPixelsCountByTheirCoveredArea()
    {
        // 21 pixels over 14 cells: 1.5 pixels a cell. Only pixel column 1 is set.
        // Cell 0 = [0, 1.5): pixel 0 (weight 1) and half of pixel 1 → 0.5/1.5 = 1/3; cell 1 = [1.5, 3): the other half
        // of pixel 1 and pixel 2 → 1/3; cell 2 onwards: 0. Rows: 7 pixels over 14 cells, every row alike.
        var reference = new ReferenceImage(21, 7, Enumerable.Range(0, 21 * 7).Select(i => i % 21 == 1 ? 1.0 : 0.0).ToArray(), ReferenceKind.Map);
        double[] cells = Grid.FromReference(reference);
        for (int r = 0; r < 14; r++)
        {
            Assert.Equal(1.0 / 3, cells[r * 14], 12);
            Assert.Equal(1.0 / 3, cells[r * 14 + 1], 12);
            Assert.All(Enumerable.Range(2, 12), c => Assert.Equal(0, cells[r * 14 + c]));
        }
    }

    [Fact]
    public void ATokenMapIsLaidOntoTheOriginalThroughTheGeometry()
    {
        // The model input is the original (32 × 32), 4 × 4 tokens of 8 pixels.
        var geometry = new ImageGeometry(new PixelSize(32, 32), new PixelSize(32, 32), new PixelRect(0, 0, 32, 32));
        var constant = Grid.FromTokenMap(SampleResults.GridMap(4, 4, Enumerable.Repeat(0.7, 16).ToArray(), geometry));
        Assert.All(constant, v => Assert.Equal(0.7, v, 12));

        // One relevant token at the top-left: its own corner cell keeps the full value (clamped at the grid's edge), and
        // the value falls off bilinearly towards the far corner, which gets nothing.
        var corner = Grid.FromTokenMap(SampleResults.GridMap(4, 4, [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], geometry));
        Assert.Equal(1, corner[0], 12);
        Assert.Equal(0, corner[^1], 12);
        for (int d = 1; d < 14; d++) Assert.True(corner[d * 15] <= corner[(d - 1) * 15]);
    }

    [Fact]
    public void WhatTheModelNeverSawHasNoRelevance()
    {
        // A 64 × 32 original of which the model saw the centre 32 × 32 (x from 16 to 48).
        var geometry = new ImageGeometry(new PixelSize(64, 32), new PixelSize(64, 32), new PixelRect(16, 0, 32, 32));
        var cells = Grid.FromTokenMap(SampleResults.GridMap(4, 4, Enumerable.Repeat(1.0, 16).ToArray(), geometry));
        // Cells are 64/14 ≈ 4.57 pixels wide: columns 0–2 end before x = 13.8 and 11–13 start after 50.3: unseen.
        // Column 3 spans 13.7–18.3, partly seen; columns 4–9 lie inside.
        for (int r = 0; r < 14; r++)
        {
            foreach (int c in new[] { 0, 1, 2, 11, 12, 13 }) Assert.Equal(0, cells[r * 14 + c]);
            Assert.InRange(cells[r * 14 + 3], 0.01, 0.99);
            foreach (int c in Enumerable.Range(4, 6)) Assert.Equal(1, cells[r * 14 + c], 12);
        }
    }

    [Fact]
    public void AReferencePngReadsGreyTimesOpacity()
    {
        // White opaque, black opaque, white fully transparent, mid-grey half transparent.
        byte[] rgba = [255, 255, 255, 255, 0, 0, 0, 255, 255, 255, 255, 0, 128, 128, 128, 128];
        var reference = ReferenceImage.Decode(EvalFolders.Png(2, 2, rgba), ReferenceKind.Map, "test");
        Assert.Equal((2, 2), (reference.Width, reference.Height));
        Assert.Equal(1, reference.Values[0], 12);
        Assert.Equal(0, reference.Values[1], 12);
        Assert.Equal(0, reference.Values[2], 12);
        Assert.Equal(128 / 255.0 * 128 / 255.0, reference.Values[3], 3);
        Assert.Throws<ImageDecodeException>(() => ReferenceImage.Decode([1, 2, 3], ReferenceKind.Mask, "junk"));
    }

    [Theory]
    [InlineData("llava")]
    [InlineData("qwen2vl")]
    public void AMapOfTheMaskItselfPointsInsideIt(string set)
    {
        // The whole chain on real processor geometry (LLaVA: resize and centre crop; Qwen2-VL: smart resize): a token map
        // that is each token cell's share of the mask must land on the mask in the original's grid.
        using var reference = set == "llava" ? Glimpse.Model.Tests.ReferenceSet.Llava() : Glimpse.Model.Tests.ReferenceSet.Qwen2VL();
        using var runtime = Glimpse.Model.VisionLanguageRuntime.Open(reference.ModelDir);
        // Images 5 times the usual size (240 × 200): Qwen2-VL resizes them to 252 × 196, 9 × 7 tokens; LLaVA has its 4 × 4.
        var source = new FolderEvalSource(EvalFolders.Write($"oracle-{set}", 4, scale: 5));
        foreach (var item in source.Items.Where(i => i.ReferenceKind == ReferenceKind.Mask))
        {
            var image = source.LoadImage(item);
            var mask = source.LoadReference(item)!;
            using var processed = runtime.ImageProcessor.Process(image);
            var oracle = new double[processed.ImageTokenCount];
            var grid = Assert.Single(processed.Layout.Grids);
            for (int r = 0; r < grid.Rows; r++)
                for (int c = 0; c < grid.Columns; c++)
                {
                    var cell = grid.CellOnOriginal(r, c);
                    oracle[grid.Tokens[r * grid.Columns + c]] = Enumerable.Range(0, mask.Values.Length)
                        .Where(i => i % mask.Width + 0.5 >= cell.Left && i % mask.Width + 0.5 < cell.Right && i / mask.Width + 0.5 >= cell.Top && i / mask.Width + 0.5 < cell.Bottom)
                        .Select(i => mask.Values[i]).DefaultIfEmpty(0).Average();
                }
            var map = Grid.FromTokenMap(new ImageTokenMap(processed.Layout, oracle));
            var scores = AlignmentScores.Compute(map, Grid.FromReference(mask), ReferenceKind.Mask);
            Assert.True(scores.PointingGame == 1, $"{item.Id}: {scores}");
            Assert.True(scores.AucJudd > 0.9 && scores.Cc > 0.5 && scores.Nss > 1 && scores.MassInside > 0.3, $"{item.Id}: {scores}");
        }
    }
}
