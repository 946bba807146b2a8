
namespace Glimpse.Core.Images;

/// <summary>A size in whole pixels.</summary>
public readonly record struct PixelSize(int Width, int Height)
{
    public long Area => (long)Width * Height;
}

/// <summary>A rectangle of whole pixels: columns X … X+Width−1, rows Y … Y+Height−1. X and Y may be negative.</summary>
public readonly record struct PixelRect(int X, int Y, int Width, int Height)
{
    public int Right => X + Width;
    public int Bottom => Y + Height;
    public PixelSize Size => new(Width, Height);
}

/// <summary>A point in continuous pixel coordinates: (0, 0) is the top-left corner of the top-left pixel, whose centre is (0.5, 0.5).</summary>
public readonly record struct ImagePoint(double X, double Y);

/// <summary>An axis-aligned region in continuous pixel coordinates (see <see cref="ImagePoint"/>).</summary>
public readonly record struct ImageRegion(double Left, double Top, double Right, double Bottom)
{
    public double Width => Right - Left;
    public double Height => Bottom - Top;
}

/// <summary>
/// How an image processor turned the original image into the model input, stage by stage, so that anything
/// computed on the model input (a heat map over image tokens) can be laid back onto the original image.
/// <list type="number">
/// <item>The original sits on a canvas at <see cref="OriginalOnCanvas"/>. The canvas is the original itself, except for
/// LLaVA's <c>do_pad</c>, which centres it on a square of the mean colour.</item>
/// <item>The canvas is resized to <see cref="Resized"/>.</item>
/// <item>The model input is the <see cref="CropBox"/> of the resized image. A box reaching outside the resized image
/// means zero padding (Hugging Face's <c>center_crop</c> of an image smaller than the crop).</item>
/// </list>
/// <para>
/// Coordinates are continuous (see <see cref="ImagePoint"/>). In them the resize is exactly a scaling by
/// Resized/Canvas on each axis: PIL's resampler centres output pixel i at source coordinate (i + 0.5)·in/out. The
/// mapping between model input and original is therefore an exact per-axis affine map, with no rounding:
/// <c>x_original = (x_model + CropBox.X) · Canvas.Width / Resized.Width − OriginalOnCanvas.X</c>, and likewise for y.
/// A model-input pixel's value is a filtered average around the mapped centre (the bicubic kernel reaches two
/// source pixels beyond it, more when shrinking); the mapping places it, it does not describe that footprint.
/// </para>
/// </summary>
public sealed record ImageGeometry
{
    public PixelSize Original { get; }
    public PixelSize Canvas { get; }
    public PixelRect OriginalOnCanvas { get; }
    public PixelSize Resized { get; }
    public PixelRect CropBox { get; }

    /// <summary>The size of the image the model sees.</summary>
    public PixelSize ModelInput => CropBox.Size;

    /// <summary>A geometry without padding to a canvas: the original itself is resized.</summary>
    public ImageGeometry(PixelSize original, PixelSize resized, PixelRect cropBox)
        : this(original, original, new PixelRect(0, 0, original.Width, original.Height), resized, cropBox)
    {
    }

    public ImageGeometry(PixelSize original, PixelSize canvas, PixelRect originalOnCanvas, PixelSize resized, PixelRect cropBox)
    {
        RequirePositive(original, nameof(original));
        RequirePositive(canvas, nameof(canvas));
        RequirePositive(resized, nameof(resized));
        RequirePositive(cropBox.Size, nameof(cropBox));
        if (originalOnCanvas.Size != original)
            throw new ArgumentException($"the original ({original}) must be placed at its own size, got {originalOnCanvas}", nameof(originalOnCanvas));
        Original = original;
        Canvas = canvas;
        OriginalOnCanvas = originalOnCanvas;
        Resized = resized;
        CropBox = cropBox;
    }

    private static void RequirePositive(PixelSize size, string name)
    {
        if (size.Width <= 0 || size.Height <= 0)
            throw new ArgumentOutOfRangeException(name, $"sizes must be positive, got {size.Width}×{size.Height}");
    }

    /// <summary>Where a model-input point lies on the original image; outside [0, Width]×[0, Height] when it is in padding.</summary>
    public ImagePoint MapToOriginal(ImagePoint modelInput) => new(
        (modelInput.X + CropBox.X) * Canvas.Width / Resized.Width - OriginalOnCanvas.X,
        (modelInput.Y + CropBox.Y) * Canvas.Height / Resized.Height - OriginalOnCanvas.Y);

    /// <summary>The inverse of <see cref="MapToOriginal(ImagePoint)"/>: where a point of the original lies in the model input.</summary>
    public ImagePoint MapToModelInput(ImagePoint original) => new(
        (original.X + OriginalOnCanvas.X) * Resized.Width / Canvas.Width - CropBox.X,
        (original.Y + OriginalOnCanvas.Y) * Resized.Height / Canvas.Height - CropBox.Y);

    /// <summary>The region of the original a model-input region covers (the map is increasing on each axis, so corners map to corners).</summary>
    public ImageRegion MapToOriginal(ImageRegion modelInput)
    {
        var topLeft = MapToOriginal(new ImagePoint(modelInput.Left, modelInput.Top));
        var bottomRight = MapToOriginal(new ImagePoint(modelInput.Right, modelInput.Bottom));
        return new ImageRegion(topLeft.X, topLeft.Y, bottomRight.X, bottomRight.Y);
    }

    /// <summary>The part of a region of original coordinates that lies on the original image, or null when none does (pure padding).</summary>
    public ImageRegion? ClipToOriginal(ImageRegion region)
    {
        double left = Math.Max(region.Left, 0), top = Math.Max(region.Top, 0);
        double right = Math.Min(region.Right, Original.Width), bottom = Math.Min(region.Bottom, Original.Height);
        return right > left && bottom > top ? new ImageRegion(left, top, right, bottom) : null;
    }
}
