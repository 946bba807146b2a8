using Glimpse.Core.Images;
using Glimpse.Model.Processing;
using TorchSharp;

namespace Glimpse.Model.Families.Llava;

/// <summary>
/// The settings of Hugging Face's <c>CLIPImageProcessor</c> and <c>LlavaImageProcessor</c> (which adds
/// <see cref="DoPad"/>). Defaults are Hugging Face's. <c>do_convert_rgb</c> has no setting: a decoded
/// <see cref="RgbImage"/> is already RGB.
/// </summary>
public sealed record ClipImageProcessorOptions
{
    /// <summary>LLaVA's pad-to-square with the mean colour, before resizing (<c>LlavaImageProcessor(do_pad=True)</c>).</summary>
    public bool DoPad { get; init; }
    public bool DoResize { get; init; } = true;
    /// <summary><c>size.shortest_edge</c>: resize the short side to this, keeping the aspect ratio (long side truncated).</summary>
    public int? ShortestEdge { get; init; } = 224;
    /// <summary><c>size.height</c> and <c>size.width</c>: resize to exactly this; used when <see cref="ShortestEdge"/> is null.</summary>
    public PixelSize? ExactSize { get; init; }
    public PilResampleFilter Resample { get; init; } = PilResampleFilter.Bicubic;
    public bool DoCenterCrop { get; init; } = true;
    public PixelSize CropSize { get; init; } = new(224, 224);
    public bool DoRescale { get; init; } = true;
    public double RescaleFactor { get; init; } = 1.0 / 255;
    public bool DoNormalize { get; init; } = true;
    public ChannelStatistics Normalization { get; init; } = ChannelStatistics.OpenAiClip;

    internal static ClipImageProcessorOptions FromConfig(PreprocessorConfig config)
    {
        var defaults = new ClipImageProcessorOptions();
        int? shortestEdge = defaults.ShortestEdge;
        PixelSize? exactSize = null;
        // "size" is {"shortest_edge": n}, {"height": h, "width": w}, or (old configs) a bare number meaning the shortest edge.
        if (config.Section("size") is { } size)
        {
            if (size.Int("shortest_edge") is int edge) shortestEdge = edge;
            else if (size.Int("height") is int h && size.Int("width") is int w) (shortestEdge, exactSize) = (null, new PixelSize(w, h));
            else throw config.Invalid("size", "{\"shortest_edge\": n} or {\"height\": h, \"width\": w}");
        }
        else if (config.Int("size") is int bareSize)
            shortestEdge = bareSize;

        var cropSize = defaults.CropSize;
        if (config.Section("crop_size") is { } crop)
        {
            cropSize = crop.Int("height") is int h && crop.Int("width") is int w
                ? new PixelSize(w, h)
                : throw config.Invalid("crop_size", "{\"height\": h, \"width\": w}");
        }
        else if (config.Int("crop_size") is int square)
            cropSize = new PixelSize(square, square);

        return new ClipImageProcessorOptions
        {
            DoPad = config.Bool("do_pad", defaults.DoPad),
            DoResize = config.Bool("do_resize", defaults.DoResize),
            ShortestEdge = shortestEdge,
            ExactSize = exactSize,
            Resample = config.Resample(defaults.Resample),
            DoCenterCrop = config.Bool("do_center_crop", defaults.DoCenterCrop),
            CropSize = cropSize,
            DoRescale = config.Bool("do_rescale", defaults.DoRescale),
            RescaleFactor = config.Double("rescale_factor", defaults.RescaleFactor),
            DoNormalize = config.Bool("do_normalize", defaults.DoNormalize),
            Normalization = ChannelStatistics.FromConfig(config),
        };
    }
}

/// <summary>
/// Hugging Face's <c>CLIPImageProcessor</c> / <c>LlavaImageProcessor</c> (transformers 4.47): optional pad to square,
/// shortest-edge resize with PIL's filter, centre crop, ×1/255, normalise. Output [1, 3, H, W]; the token grid is the
/// vision tower's patch grid (e.g. 336/14 = 24 × 24 for LLaVA-1.5).
/// </summary>
public sealed class ClipImageProcessor : IImageProcessor
{
    public ClipImageProcessorOptions Options { get; }

    /// <summary>The vision tower's patch size (<c>vision_config.patch_size</c>); the processor config does not carry it.</summary>
    public int PatchSize { get; }

    public ClipImageProcessor(ClipImageProcessorOptions options, int patchSize)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(patchSize, 1);
        if (options.DoResize && options.ShortestEdge is null && options.ExactSize is null)
            throw new ArgumentException("resizing needs either ShortestEdge or ExactSize", nameof(options));
        Options = options;
        PatchSize = patchSize;
    }

    public ProcessedImage Process(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var original = new PixelSize(image.Width, image.Height);

        var (canvas, originalOnCanvas) = Options.DoPad ? PadToSquare(image) : (image, new PixelRect(0, 0, image.Width, image.Height));
        var resized = Options.DoResize ? ResizeCanvas(canvas) : canvas;
        var cropBox = Options.DoCenterCrop
            ? CenterCropBox(resized.Width, resized.Height, Options.CropSize)
            : new PixelRect(0, 0, resized.Width, resized.Height);
        var modelInput = CropWithZeroPadding(resized, cropBox);

        var geometry = new ImageGeometry(original, new PixelSize(canvas.Width, canvas.Height), originalOnCanvas,
            new PixelSize(resized.Width, resized.Height), cropBox);
        int gridHeight = modelInput.Height / PatchSize, gridWidth = modelInput.Width / PatchSize;
        if (gridHeight == 0 || gridWidth == 0)
            throw new ArgumentException($"the {modelInput.Width}×{modelInput.Height} model input is smaller than one {PatchSize}-pixel patch");

        var values = PixelNormalization.ToChannelsFirst(modelInput,
            Options.DoRescale ? Options.RescaleFactor : null,
            Options.DoNormalize ? Options.Normalization : null);
        var pixelValues = torch.tensor(values, [1, 3, modelInput.Height, modelInput.Width]);
        return new ProcessedImage(pixelValues, imageGridThw: null, ImageTokenLayout.SingleGrid(gridHeight, gridWidth, PatchSize, geometry));
    }

    /// <summary>
    /// LlavaImageProcessor.pad_to_square: a square of side max(h, w) filled with int(mean·255) per channel, the image
    /// pasted at ((side − w) // 2, (side − h) // 2). A square image is left as it is.
    /// </summary>
    private (RgbImage Canvas, PixelRect OriginalOnCanvas) PadToSquare(RgbImage image)
    {
        if (image.Width == image.Height) return (image, new PixelRect(0, 0, image.Width, image.Height));
        int side = Math.Max(image.Width, image.Height);
        var mean = Options.Normalization.Mean;
        var canvas = RgbImage.Filled(side, side, (byte)(int)(mean[0] * 255), (byte)(int)(mean[1] * 255), (byte)(int)(mean[2] * 255));
        var placement = new PixelRect((side - image.Width) / 2, (side - image.Height) / 2, image.Width, image.Height);
        image.PasteOnto(canvas, placement.X, placement.Y);
        return (canvas, placement);
    }

    private RgbImage ResizeCanvas(RgbImage canvas)
    {
        var target = Options.ShortestEdge is int edge ? ShortestEdgeSize(canvas.Width, canvas.Height, edge) : Options.ExactSize!.Value;
        return PilResample.Resize(canvas, target.Width, target.Height, Options.Resample);
    }

    /// <summary>
    /// transformers' get_resize_output_image_size with default_to_square=False: the short side becomes
    /// <paramref name="shortestEdge"/>, the long side int(shortestEdge · long / short), truncated. A square counts
    /// its width as the short side.
    /// </summary>
    public static PixelSize ShortestEdgeSize(int width, int height, int shortestEdge)
    {
        bool widthIsShort = width <= height;
        int shortSide = widthIsShort ? width : height, longSide = widthIsShort ? height : width;
        // Python divides exact integers in double and truncates; so does this.
        int newLong = (int)((double)((long)shortestEdge * longSide) / shortSide);
        return widthIsShort ? new PixelSize(shortestEdge, newLong) : new PixelSize(newLong, shortestEdge);
    }

    /// <summary>
    /// transformers' center_crop: offsets (h − crop_h) // 2 and (w − crop_w) // 2, floor division. When the image is
    /// smaller than the crop the offset is negative and the uncovered part is zero padding, which is exactly where
    /// Hugging Face's padded crop puts the image.
    /// </summary>
    public static PixelRect CenterCropBox(int width, int height, PixelSize crop) =>
        new(FloorHalf(width - crop.Width), FloorHalf(height - crop.Height), crop.Width, crop.Height);

    private static int FloorHalf(int value) => (int)Math.Floor(value / 2.0);

    private static RgbImage CropWithZeroPadding(RgbImage image, PixelRect box)
    {
        if (box.X >= 0 && box.Y >= 0 && box.Right <= image.Width && box.Bottom <= image.Height)
            return image.Crop(box.X, box.Y, box.Width, box.Height);
        var padded = RgbImage.Filled(box.Width, box.Height, 0, 0, 0);
        image.PasteOnto(padded, -box.X, -box.Y);
        return padded;
    }
}
