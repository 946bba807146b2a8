using Glimpse.Core.Images;
using Glimpse.Model.Processing;

namespace Glimpse.Model.Tests.Processing;

public class ImageGeometryTests
{
    private static void Near(double expected, double actual) => Assert.Equal(expected, actual, 1e-9);

    [Fact]
    public void LlavaReferenceGeometryMapsBackToTheOriginal()
    {
        using var r = ReferenceSet.Llava();
        var processor = ImageProcessorFactory.FromFolder(r.ModelDir, patchSize: 8);
        using var processed = processor.Process(RgbImage.Load(r.ImagePath));
        var g = processed.Layout.Grids[0].Geometry;

        // 48×40 (W×H): the short side 40 becomes 32, the long side int(32·48/40) = 38; the 32×32 crop starts at (38 − 32) // 2 = 3.
        Assert.Equal(new PixelSize(48, 40), g.Original);
        Assert.Equal(g.Original, g.Canvas);
        Assert.Equal(new PixelSize(38, 32), g.Resized);
        Assert.Equal(new PixelRect(3, 0, 32, 32), g.CropBox);
        Assert.Equal(new PixelSize(32, 32), g.ModelInput);

        var topLeft = g.MapToOriginal(new ImagePoint(0, 0));
        Near(3 * 48.0 / 38, topLeft.X);
        Near(0, topLeft.Y);
        var bottomRight = g.MapToOriginal(new ImagePoint(32, 32));
        Near(35 * 48.0 / 38, bottomRight.X);
        Near(40, bottomRight.Y);

        // The centre of model pixel (0, 0) is the centre PIL's resampler used for resized pixel (3, 0).
        var centre = g.MapToOriginal(new ImagePoint(0.5, 0.5));
        Near((3 + 0.5) * 48.0 / 38, centre.X);
        Near(0.5 * 40.0 / 32, centre.Y);

        foreach (var p in new[] { new ImagePoint(0, 0), new ImagePoint(17.25, 3.5), new ImagePoint(32, 32) })
        {
            var back = g.MapToModelInput(g.MapToOriginal(p));
            Near(p.X, back.X);
            Near(p.Y, back.Y);
        }

        // Token (row 1, column 2) covers model pixels 16..24 × 8..16.
        var cell = processed.Layout.Grids[0].CellOnOriginal(1, 2);
        Near((16 + 3) * 48.0 / 38, cell.Left);
        Near((24 + 3) * 48.0 / 38, cell.Right);
        Near(8 * 40.0 / 32, cell.Top);
        Near(16 * 40.0 / 32, cell.Bottom);
    }

    [Fact]
    public void Qwen2VLReferenceCornersMapToCorners()
    {
        using var r = ReferenceSet.Qwen2VL();
        var processor = ImageProcessorFactory.FromFolder(r.ModelDir, patchSize: 14);
        using var processed = processor.Process(RgbImage.Load(r.ImagePath));
        var g = processed.Layout.Grids[0].Geometry;

        var resizedHw = r.Ids("resized_hw");
        Assert.Equal(new PixelSize((int)resizedHw[1], (int)resizedHw[0]), g.Resized);
        Assert.Equal(new PixelSize(90, 50), g.Original);
        Assert.Equal(new PixelSize(84, 56), g.ModelInput);
        Assert.Equal(new PixelRect(0, 0, 84, 56), g.CropBox);

        foreach (var (model, original) in new[]
                 {
                     (new ImagePoint(0, 0), new ImagePoint(0, 0)),
                     (new ImagePoint(84, 0), new ImagePoint(90, 0)),
                     (new ImagePoint(0, 56), new ImagePoint(0, 50)),
                     (new ImagePoint(84, 56), new ImagePoint(90, 50)),
                 })
        {
            var mapped = g.MapToOriginal(model);
            Near(original.X, mapped.X);
            Near(original.Y, mapped.Y);
        }

        // The 2×3 token grid of 28-pixel cells tiles the original exactly.
        Assert.Equal(28, processed.Layout.Grids[0].CellSize);
        var last = processed.Layout.Grids[0].CellOnOriginal(1, 2);
        Near(56 * 90.0 / 84, last.Left);
        Near(28 * 50.0 / 56, last.Top);
        Near(90, last.Right);
        Near(50, last.Bottom);
        Assert.Throws<ArgumentOutOfRangeException>(() => processed.Layout.Grids[0].CellOnOriginal(2, 0));
    }

    [Fact]
    public void PaddedSquareMapsPaddingOutsideTheOriginal()
    {
        // A 20×10 image centred on a 20×20 canvas at (0, 5), resized to 8×8, no crop offset.
        var g = new ImageGeometry(new PixelSize(20, 10), new PixelSize(20, 20), new PixelRect(0, 5, 20, 10),
            new PixelSize(8, 8), new PixelRect(0, 0, 8, 8));
        var topLeft = g.MapToOriginal(new ImagePoint(0, 0));
        Near(0, topLeft.X);
        Near(-5, topLeft.Y);
        var whole = g.ClipToOriginal(g.MapToOriginal(new ImageRegion(0, 0, 8, 8)));
        Assert.Equal(new ImageRegion(0, 0, 20, 10), whole);
        // The top row of model pixels (canvas rows 0..2.5) is all padding.
        Assert.Null(g.ClipToOriginal(g.MapToOriginal(new ImageRegion(0, 0, 8, 1))));
    }

    [Fact]
    public void InconsistentGeometryIsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImageGeometry(new PixelSize(0, 4), new PixelSize(4, 4), new PixelRect(0, 0, 4, 4)));
        Assert.Throws<ArgumentException>(() => new ImageGeometry(new PixelSize(4, 4), new PixelSize(6, 6), new PixelRect(1, 1, 3, 4),
            new PixelSize(6, 6), new PixelRect(0, 0, 6, 6)));
    }
}
