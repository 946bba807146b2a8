using Glimpse.Core.Images;
using Glimpse.Model.Processing;
using TorchSharp;

namespace Glimpse.Model.Families.Idefics3;

/// <summary>
/// The settings of Hugging Face's <c>Idefics3ImageProcessor</c> (transformers 4.49). Defaults are Hugging Face's.
/// <c>do_convert_rgb</c> has no setting (a decoded <see cref="RgbImage"/> is RGB); <c>do_pad</c> changes nothing for
/// one image, whose frames all have the same size.
/// </summary>
public sealed record Idefics3ImageProcessorOptions
{
    public bool DoResize { get; init; } = true;
    /// <summary><c>size.longest_edge</c>: the first resize brings the longest side to this.</summary>
    public int LongestEdge { get; init; } = 4 * 364;
    /// <summary><c>max_image_size.longest_edge</c> M: every frame is M × M.</summary>
    public int MaxImageSize { get; init; } = 364;
    public bool DoImageSplitting { get; init; } = true;
    public PilResampleFilter Resample { get; init; } = PilResampleFilter.Lanczos;
    public bool DoRescale { get; init; } = true;
    public double RescaleFactor { get; init; } = 1.0 / 255;
    public bool DoNormalize { get; init; } = true;
    public ChannelStatistics Normalization { get; init; } = Idefics3Standard;

    /// <summary>IDEFICS_STANDARD_MEAN and IDEFICS_STANDARD_STD.</summary>
    public static ChannelStatistics Idefics3Standard { get; } = new([0.5, 0.5, 0.5], [0.5, 0.5, 0.5]);

    internal static Idefics3ImageProcessorOptions FromConfig(PreprocessorConfig config)
    {
        var defaults = new Idefics3ImageProcessorOptions();
        if (config.Section("size") is { } size && size.Int("longest_edge") is null)
            throw new NotSupportedException($"{config.Location}: size must be {{\"longest_edge\": n}}; other size forms are not implemented for Idefics3.");
        if (config.Section("max_image_size") is { } max && max.Int("longest_edge") is null)
            throw config.Invalid("max_image_size", "{\"longest_edge\": n}");
        if (!config.Bool("do_convert_rgb", true))
            throw new NotSupportedException($"{config.Location}: do_convert_rgb = false is not supported (images are decoded to RGB).");
        return new Idefics3ImageProcessorOptions
        {
            DoResize = config.Bool("do_resize", defaults.DoResize),
            LongestEdge = config.Section("size")?.Int("longest_edge") ?? defaults.LongestEdge,
            MaxImageSize = config.Section("max_image_size")?.Int("longest_edge") ?? defaults.MaxImageSize,
            DoImageSplitting = config.Bool("do_image_splitting", defaults.DoImageSplitting),
            Resample = config.Resample(defaults.Resample),
            DoRescale = config.Bool("do_rescale", defaults.DoRescale),
            RescaleFactor = config.Double("rescale_factor", defaults.RescaleFactor),
            DoNormalize = config.Bool("do_normalize", defaults.DoNormalize),
            Normalization = new ChannelStatistics(
                config.Channels("image_mean", [.. Idefics3Standard.Mean]),
                config.Channels("image_std", [.. Idefics3Standard.Std])),
        };
    }
}

/// <summary>One frame the vision tower reads: a tile of the resized image, or the global image.</summary>
/// <param name="TileRow">0-based tile row; null for the global frame.</param>
/// <param name="TileColumn">0-based tile column; null for the global frame.</param>
/// <param name="Geometry">How the original image became this frame (the tile is a crop box of the resized image).</param>
public sealed record Idefics3Frame(int? TileRow, int? TileColumn, ImageGeometry Geometry)
{
    public bool IsGlobal => TileRow is null;
}

/// <summary>
/// Hugging Face's <c>Idefics3ImageProcessor</c> (transformers 4.49) for one image:
/// <list type="number">
/// <item>longest side to <c>size.longest_edge</c>, aspect kept, the other side truncated and bumped to even;</item>
/// <item>both sides up to multiples of M = <c>max_image_size</c> (this changes the aspect ratio), then rows × cols
/// tiles of M × M cut (crops, row-major) when the image is larger than M, then the whole resized image resized to
/// M × M as the global frame, last;</item>
/// <item>×1/255, normalise.</item>
/// </list>
/// Every resize is PIL's, on 8-bit pixels, rounding each time. <c>pixel_values</c> is [frames, 3, M, M]; each frame
/// yields (M / patch / scale)² image tokens, one per cell of patch·scale pixels.
/// </summary>
public sealed class Idefics3ImageProcessor : IImageProcessor
{
    /// <summary>transformers' MAX_IMAGE_SIZE: the longest-edge resize never exceeds 4096 pixels.</summary>
    public const int MaxImageSide = 4096;

    public Idefics3ImageProcessorOptions Options { get; }
    /// <summary>The side, in frame pixels, of one token's cell (patch × scale_factor).</summary>
    public int TokenCellSize { get; }

    public Idefics3ImageProcessor(Idefics3ImageProcessorOptions options, int tokenCellSize)
    {
        ArgumentNullException.ThrowIfNull(options);
        // Without splitting, transformers 4.49 keeps the longest-edge size: frames of any shape, padded per batch.
        if (!options.DoImageSplitting)
            throw new NotSupportedException("do_image_splitting = false is not supported for Idefics3 (only split images: tiles plus a global image).");
        ArgumentOutOfRangeException.ThrowIfLessThan(tokenCellSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxImageSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.LongestEdge, 1);
        if (options.MaxImageSize % tokenCellSize != 0)
            throw new ArgumentException($"max_image_size {options.MaxImageSize} is not a multiple of patch × scale_factor = {tokenCellSize}", nameof(options));
        Options = options;
        TokenCellSize = tokenCellSize;
    }

    /// <summary>Tokens one frame becomes: (M / cell)².</summary>
    public int TokensPerFrame => (Options.MaxImageSize / TokenCellSize) * (Options.MaxImageSize / TokenCellSize);

    /// <summary>
    /// transformers' get_resize_output_image_size: the longest side becomes <paramref name="longestEdge"/>, the other
    /// int(side · ratio) bumped to the next even number when odd; then both capped at 4096 the same way (no bump).
    /// </summary>
    public static PixelSize LongestEdgeSize(int width, int height, int longestEdge)
    {
        (width, height) = RescaleToMaxLength(width, height, longestEdge, bumpToEven: true);
        if (Math.Max(width, height) > MaxImageSide) (width, height) = RescaleToMaxLength(width, height, MaxImageSide, bumpToEven: false);
        return new PixelSize(width, height);
    }

    private static (int Width, int Height) RescaleToMaxLength(int width, int height, int maxLength, bool bumpToEven)
    {
        double aspect = (double)width / height;
        if (width >= height)
        {
            width = maxLength;
            height = (int)(width / aspect);
            if (bumpToEven && height % 2 != 0) height++;
        }
        else
        {
            height = maxLength;
            width = (int)(height * aspect);
            if (bumpToEven && width % 2 != 0) width++;
        }
        return (Math.Max(width, 1), Math.Max(height, 1));
    }

    /// <summary>transformers' resize_for_vision_encoder: both sides up to multiples of <paramref name="m"/>, the short
    /// side from the long one through the aspect ratio (truncated first).</summary>
    public static PixelSize VisionEncoderSize(int width, int height, int m)
    {
        double aspect = (double)width / height;
        if (width >= height)
        {
            width = CeilTo((double)width, m);
            height = CeilTo((int)(width / aspect), m);
        }
        else
        {
            height = CeilTo((double)height, m);
            width = CeilTo((int)(height * aspect), m);
        }
        return new PixelSize(width, height);
    }

    private static int CeilTo(double value, int m) => (int)Math.Ceiling(value / m) * m;

    /// <summary>The frames (tiles row-major, then the global frame) and their pixels, before normalisation.</summary>
    public (IReadOnlyList<Idefics3Frame> Frames, IReadOnlyList<RgbImage> Pixels, int Rows, int Columns) Split(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        int m = Options.MaxImageSize;
        var original = new PixelSize(image.Width, image.Height);
        var first = Options.DoResize ? LongestEdgeSize(image.Width, image.Height, Options.LongestEdge) : original;
        var resized = Options.DoResize ? PilResample.Resize(image, first.Width, first.Height, Options.Resample) : image;
        var whole = new PixelSize(m, m);
        var encoderSize = VisionEncoderSize(resized.Width, resized.Height, m);
        var encoderInput = PilResample.Resize(resized, encoderSize.Width, encoderSize.Height, Options.Resample);
        var frames = new List<Idefics3Frame>();
        var pixels = new List<RgbImage>();
        int rows = 0, columns = 0;
        if (encoderSize.Height > m || encoderSize.Width > m)
        {
            // Both sides are multiples of M, so every tile is a full M × M crop.
            rows = encoderSize.Height / m;
            columns = encoderSize.Width / m;
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < columns; c++)
                {
                    frames.Add(new Idefics3Frame(r, c, new ImageGeometry(original, encoderSize, new PixelRect(c * m, r * m, m, m))));
                    pixels.Add(encoderInput.Crop(c * m, r * m, m, m));
                }
        }
        // The global frame is the whole resized image again, at M × M: its map to the original is one scaling.
        frames.Add(new Idefics3Frame(null, null, new ImageGeometry(original, whole, new PixelRect(0, 0, m, m))));
        pixels.Add(PilResample.Resize(encoderInput, m, m, Options.Resample));
        return (frames, pixels, rows, columns);
    }

    public ProcessedImage Process(RgbImage image)
    {
        var (frames, pixels, _, _) = Split(image);
        int m = Options.MaxImageSize;
        var values = new float[(long)frames.Count * 3 * m * m];
        for (int f = 0; f < frames.Count; f++)
        {
            var frame = PixelNormalization.ToChannelsFirst(pixels[f],
                Options.DoRescale ? Options.RescaleFactor : null,
                Options.DoNormalize ? Options.Normalization : null);
            frame.CopyTo(values, (long)f * frame.Length);
        }
        var pixelValues = torch.tensor(values, [frames.Count, 3, m, m]);
        return new ProcessedImage(pixelValues, imageGridThw: null, Layout(frames));
    }

    /// <summary>One grid per frame, in frame order; each frame's tokens are its cells row-major.</summary>
    public ImageTokenLayout Layout(IReadOnlyList<Idefics3Frame> frames)
    {
        int side = Options.MaxImageSize / TokenCellSize, perFrame = side * side;
        var grids = frames.Select((frame, f) => new TokenGrid
        {
            Name = frame.IsGlobal ? "global" : $"tile {frame.TileRow + 1},{frame.TileColumn + 1}",
            Rows = side,
            Columns = side,
            CellSize = TokenCellSize,
            Tokens = Enumerable.Range(f * perFrame, perFrame).ToArray(),
            Geometry = frame.Geometry,
        }).ToArray();
        return new ImageTokenLayout(frames.Count * perFrame, grids);
    }
}
